package trackerd.config;

/**
 * One key of the config file, typed: the schema declares each key once as a constant and the
 * record builders read it through that constant ({@link ConfigValues#get}), so a key's path and
 * type are written in one place.
 *
 * @param path dotted path, e.g. {@code udp.listen}; the part before the last dot is its table
 * @param defaultToml the default as a TOML literal, printed by {@code --print-config} and parsed
 *     like any value from a file, so the printed defaults always parse back to the defaults
 * @param comment what the key does, printed above it
 * @param <T> the Java type of the value
 */
public record ConfigKey<T>(String path, String defaultToml, String comment, ValueType<T> type) {

    public String table() {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "" : path.substring(0, dot);
    }

    public String name() {
        return path.substring(path.lastIndexOf('.') + 1);
    }
}
