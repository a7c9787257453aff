package trackerd.config;

import java.nio.file.Path;
import java.util.Map;

/** Converted values of a schema's keys, read by the record builders through the typed keys. */
public final class ConfigValues {
    private final Map<String, Object> values;
    /** Directory of the config file, against which relative paths resolve; null: none (working directory). */
    private final Path baseDirectory;

    ConfigValues(Map<String, Object> values, Path baseDirectory) {
        this.values = values;
        this.baseDirectory = baseDirectory;
    }

    /** The value of a schema key, of the key's type. */
    @SuppressWarnings("unchecked")
    public <T> T get(ConfigKey<T> key) {
        if (!values.containsKey(key.path())) throw new IllegalStateException("no schema key " + key.path());
        return (T) values.get(key.path());
    }

    /**
     * A string key naming a file: null when empty. A relative path resolves against the config
     * file's directory, not the working directory (which is {@code /} under systemd); without a
     * config file, against the working directory.
     */
    public Path path(ConfigKey<String> key) {
        String text = get(key);
        if (text.isEmpty()) return null;
        Path path = Path.of(text);
        return baseDirectory == null || path.isAbsolute() ? path : baseDirectory.resolve(path).normalize();
    }
}
