package trackerd.config;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import trackerd.net.Cidr;

/** Converted values by key path, read by the record builders of each schema. */
public final class ConfigValues {
    private final Map<String, Object> values;
    /** Directory of the config file, against which relative paths resolve; null: none (working directory). */
    private final Path baseDirectory;

    ConfigValues(Map<String, Object> values, Path baseDirectory) {
        this.values = values;
        this.baseDirectory = baseDirectory;
    }

    private Object get(String path) {
        if (!values.containsKey(path)) throw new IllegalStateException("no schema key " + path);
        return values.get(path);
    }

    public boolean bool(String path) {
        return (Boolean) get(path);
    }

    public int integer(String path) {
        return Math.toIntExact((Long) get(path));
    }

    public long longValue(String path) {
        return (Long) get(path);
    }

    public String string(String path) {
        return (String) get(path);
    }

    /**
     * A string key naming a file: null when empty. A relative path resolves against the config
     * file's directory, not the working directory (which is {@code /} under systemd); without a
     * config file, against the working directory.
     */
    public Path path(String key) {
        String text = string(key);
        if (text.isEmpty()) return null;
        Path path = Path.of(text);
        return baseDirectory == null || path.isAbsolute() ? path : baseDirectory.resolve(path).normalize();
    }

    public InetSocketAddress address(String path) {
        return (InetSocketAddress) get(path);
    }

    @SuppressWarnings("unchecked")
    public List<InetSocketAddress> addresses(String path) {
        return (List<InetSocketAddress>) get(path);
    }

    @SuppressWarnings("unchecked")
    public List<String> strings(String path) {
        return (List<String>) get(path);
    }

    @SuppressWarnings("unchecked")
    public List<Cidr> cidrs(String path) {
        return (List<Cidr>) get(path);
    }
}
