package trackerd.config;

import com.moandjiezana.toml.Toml;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a TOML file and {@code --set KEY=VALUE} overrides into checked values of a
 * {@link ConfigSchema} (the tracker's: {@link TrackerConfig}). toml4j ignores keys it is not
 * asked for, so every key of the file is checked against the schema here; any problem becomes a
 * {@link ConfigException} naming the key.
 */
public final class ConfigLoader {
    private ConfigLoader() {}

    /** Defaults only. */
    public static TrackerConfig defaults() {
        try {
            return load(null, List.of());
        } catch (ConfigException e) {
            throw new IllegalStateException("built-in defaults are invalid: " + e.getMessage(), e);
        }
    }

    /**
     * @param file the config file, or null for defaults only
     * @param sets {@code KEY=VALUE} overrides, applied over the file in order
     */
    public static TrackerConfig load(Path file, List<String> sets) throws ConfigException {
        return TrackerConfig.from(values(TrackerSchema.SCHEMA, file, sets));
    }

    /** The converted values of any schema, from a file (or null) and overrides. */
    public static ConfigValues values(ConfigSchema schema, Path file, List<String> sets) throws ConfigException {
        Map<String, Object> raw = new HashMap<>();
        if (file != null) {
            String text;
            try {
                text = Files.readString(file, StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new ConfigException("--config", "cannot read " + file + ": " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
            }
            flatten(schema, "", parseToml(text, file.toString()), raw);
        }
        for (String set : sets) {
            applySet(schema, set, raw);
        }
        return convert(schema, raw, file == null ? null : file.toAbsolutePath().getParent());
    }

    /** Parses {@code TEXT} as a TOML document. */
    public static TrackerConfig loadString(String text, List<String> sets) throws ConfigException {
        ConfigSchema schema = TrackerSchema.SCHEMA;
        Map<String, Object> raw = new HashMap<>();
        flatten(schema, "", parseToml(text, "config"), raw);
        for (String set : sets) {
            applySet(schema, set, raw);
        }
        return TrackerConfig.from(convert(schema, raw, null));
    }

    private static Map<String, Object> parseToml(String text, String source) throws ConfigException {
        try {
            return new Toml().read(text).toMap();
        } catch (RuntimeException e) {
            throw new ConfigException(source, "not valid TOML: " + oneLine(e.getMessage()));
        }
    }

    private static void flatten(ConfigSchema schema, String prefix, Map<String, Object> table, Map<String, Object> out)
            throws ConfigException {
        for (Map.Entry<String, Object> entry : table.entrySet()) {
            String path = prefix.isEmpty() ? entry.getKey() : prefix + "." + entry.getKey();
            if (schema.isTable(path)) {
                if (!(entry.getValue() instanceof Map<?, ?> nested)) {
                    throw new ConfigException(path, "must be a table [" + path + "], not a value");
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> typed = (Map<String, Object>) nested;
                flatten(schema, path, typed, out);
            } else if (schema.find(path) != null) {
                out.put(path, entry.getValue());
            } else {
                throw new ConfigException(path, "unknown key");
            }
        }
    }

    private static void applySet(ConfigSchema schema, String set, Map<String, Object> raw) throws ConfigException {
        int eq = set.indexOf('=');
        if (eq <= 0) {
            throw new ConfigException("--set", "expected KEY=VALUE, got \"" + set + "\"");
        }
        String path = set.substring(0, eq).trim();
        if (schema.find(path) == null) {
            throw new ConfigException(path, "unknown key");
        }
        Map<String, Object> parsed;
        try {
            parsed = new Toml().read("v = " + set.substring(eq + 1).trim()).toMap();
        } catch (RuntimeException e) {
            throw new ConfigException(path, "value is not a TOML value (strings need quotes): " + oneLine(e.getMessage()));
        }
        if (!parsed.containsKey("v")) {
            throw new ConfigException(path, "value is missing");
        }
        raw.put(path, parsed.get("v"));
    }

    private static ConfigValues convert(ConfigSchema schema, Map<String, Object> raw, Path baseDirectory)
            throws ConfigException {
        Map<String, Object> typed = new HashMap<>();
        for (ConfigKey<?> key : schema.keys()) {
            Object value = raw.containsKey(key.path()) ? raw.get(key.path()) : defaultOf(key);
            try {
                typed.put(key.path(), key.type().convert(value));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(key.path(), e.getMessage());
            }
        }
        return new ConfigValues(typed, baseDirectory);
    }

    private static Object defaultOf(ConfigKey<?> key) {
        return new Toml().read("v = " + key.defaultToml()).toMap().get("v");
    }

    private static String oneLine(String message) {
        return message == null ? "parse error" : message.replace('\n', ' ').trim();
    }
}
