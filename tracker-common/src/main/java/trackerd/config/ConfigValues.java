package trackerd.config;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import trackerd.net.Cidr;

/** Converted values by key path, read by the record builders of each schema. */
public final class ConfigValues {
    private final Map<String, Object> values;

    ConfigValues(Map<String, Object> values) {
        this.values = values;
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

    public InetSocketAddress address(String path) {
        return (InetSocketAddress) get(path);
    }

    @SuppressWarnings("unchecked")
    public List<InetSocketAddress> addresses(String path) {
        return (List<InetSocketAddress>) get(path);
    }

    @SuppressWarnings("unchecked")
    public List<Cidr> cidrs(String path) {
        return (List<Cidr>) get(path);
    }
}
