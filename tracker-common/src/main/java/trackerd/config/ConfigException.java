package trackerd.config;

/**
 * A config value that cannot be used. The message always names the full key path, so that a
 * failed start tells the operator which line of the file to fix.
 */
public final class ConfigException extends Exception {
    private final String key;

    public ConfigException(String key, String reason) {
        super(key + ": " + reason);
        this.key = key;
    }

    public String key() {
        return key;
    }
}
