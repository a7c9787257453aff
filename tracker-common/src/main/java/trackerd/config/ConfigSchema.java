package trackerd.config;

import java.util.List;
import java.util.Map;

/**
 * The keys of one config file format: each with its table, default and comment. A key that is
 * not here is rejected when it appears in a file or in {@code --set}.
 */
public final class ConfigSchema {
    private final String header;
    private final Map<String, String> tables;
    private final List<ConfigKey<?>> keys;

    /**
     * @param tables comment per table, in print order
     * @param keys grouped by table
     */
    public ConfigSchema(String header, Map<String, String> tables, List<ConfigKey<?>> keys) {
        this.header = header;
        this.tables = Map.copyOf(tables);
        this.keys = List.copyOf(keys);
        for (ConfigKey<?> key : keys) {
            if (!tables.containsKey(key.table())) throw new IllegalArgumentException("no table for " + key.path());
        }
    }

    public static <T> ConfigKey<T> key(String path, String defaultToml, String comment, ValueType<T> type) {
        return new ConfigKey<>(path, defaultToml, comment, type);
    }

    public List<ConfigKey<?>> keys() {
        return keys;
    }

    public ConfigKey<?> find(String path) {
        for (ConfigKey<?> key : keys) {
            if (key.path().equals(path)) return key;
        }
        return null;
    }

    boolean isTable(String path) {
        return tables.containsKey(path);
    }

    /** The whole default file: every table and key with its comment. */
    public String defaultToml() {
        StringBuilder out = new StringBuilder();
        out.append("# ").append(header).append('\n');
        String table = null;
        for (ConfigKey<?> key : keys) {
            if (!key.table().equals(table)) {
                table = key.table();
                out.append('\n');
                out.append("# ").append(tables.get(table)).append('\n');
                out.append('[').append(table).append("]\n");
            }
            for (String line : key.comment().split("\n")) {
                out.append("# ").append(line).append('\n');
            }
            out.append(key.name()).append(" = ").append(key.defaultToml()).append('\n');
        }
        return out.toString();
    }
}
