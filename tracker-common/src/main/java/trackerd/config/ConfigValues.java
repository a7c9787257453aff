package trackerd.config;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import trackerd.net.Cidr;

/** Converted values by key path; only {@link TrackerConfig#from} reads it. */
final class ConfigValues {
    private final Map<String, Object> values;

    ConfigValues(Map<String, Object> values) {
        this.values = values;
    }

    private Object get(String path) {
        if (!values.containsKey(path)) throw new IllegalStateException("no schema key " + path);
        return values.get(path);
    }

    boolean bool(String path) {
        return (Boolean) get(path);
    }

    int integer(String path) {
        return Math.toIntExact((Long) get(path));
    }

    String string(String path) {
        return (String) get(path);
    }

    InetSocketAddress address(String path) {
        return (InetSocketAddress) get(path);
    }

    @SuppressWarnings("unchecked")
    List<InetSocketAddress> addresses(String path) {
        return (List<InetSocketAddress>) get(path);
    }

    @SuppressWarnings("unchecked")
    List<Cidr> cidrs(String path) {
        return (List<Cidr>) get(path);
    }
}
