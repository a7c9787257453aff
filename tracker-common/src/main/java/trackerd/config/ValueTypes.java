package trackerd.config;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import trackerd.net.Cidr;
import trackerd.net.SocketAddresses;

/** The value types the schema uses. */
public final class ValueTypes {
    private ValueTypes() {}

    public static ValueType<Boolean> bool() {
        return raw -> {
            if (raw instanceof Boolean b) return b;
            throw new IllegalArgumentException("expected true or false, got " + describe(raw));
        };
    }

    /** A whole number that fits an {@code int}. */
    public static ValueType<Integer> integer(int min, int max) {
        ValueType<Long> wide = longInteger(min, max);
        return raw -> Math.toIntExact(wide.convert(raw));
    }

    public static ValueType<Long> longInteger(long min, long max) {
        return raw -> {
            if (!(raw instanceof Long value)) {
                throw new IllegalArgumentException("expected a whole number, got " + describe(raw));
            }
            if (value < min || value > max) {
                throw new IllegalArgumentException("must be between " + min + " and " + max + ", got " + value);
            }
            return value;
        };
    }

    public static ValueType<String> oneOf(String... allowed) {
        Set<String> set = Set.of(allowed);
        return raw -> {
            if (raw instanceof String s && set.contains(s.toLowerCase(Locale.ROOT))) return s.toLowerCase(Locale.ROOT);
            throw new IllegalArgumentException("expected one of " + String.join(", ", allowed) + ", got " + describe(raw));
        };
    }

    /** A string; the empty string means "not set". */
    public static ValueType<String> string() {
        return raw -> {
            if (raw instanceof String s) return s;
            throw new IllegalArgumentException("expected a string, got " + describe(raw));
        };
    }

    public static ValueType<InetSocketAddress> address() {
        return raw -> {
            if (raw instanceof String s) return SocketAddresses.parse(s);
            throw new IllegalArgumentException("expected a string \"IP:PORT\", got " + describe(raw));
        };
    }

    public static ValueType<List<InetSocketAddress>> addressList() {
        return raw -> {
            List<InetSocketAddress> out = new ArrayList<>();
            for (Object item : list(raw, "\"IP:PORT\" strings")) {
                out.add(address().convert(item));
            }
            return List.copyOf(out);
        };
    }

    public static ValueType<List<Cidr>> cidrList() {
        return raw -> {
            List<Cidr> out = new ArrayList<>();
            for (Object item : list(raw, "IP or IP/PREFIX strings")) {
                if (!(item instanceof String s)) {
                    throw new IllegalArgumentException("expected IP or IP/PREFIX strings, got " + describe(item));
                }
                out.add(Cidr.parse(s));
            }
            return List.copyOf(out);
        };
    }

    /**
     * A non-empty list of {@code redis://} or {@code rediss://} URLs with a host, e.g.
     * {@code redis://:secret@10.0.0.5:6379/0}; checked here so a typo fails the start naming the key.
     */
    public static ValueType<List<String>> redisUrls() {
        return raw -> {
            List<String> out = new ArrayList<>();
            for (Object item : list(raw, "redis:// URL strings")) {
                if (!(item instanceof String s)) {
                    throw new IllegalArgumentException("expected redis:// URL strings, got " + describe(item));
                }
                java.net.URI uri;
                try {
                    uri = new java.net.URI(s);
                } catch (java.net.URISyntaxException e) {
                    throw new IllegalArgumentException("not a URL: " + describe(s));
                }
                String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
                if (!scheme.equals("redis") && !scheme.equals("rediss")) {
                    throw new IllegalArgumentException("expected a redis:// or rediss:// URL, got " + describe(s));
                }
                if (uri.getHost() == null) {
                    throw new IllegalArgumentException("no host in " + describe(s));
                }
                if (uri.getPort() == 0 || uri.getPort() > 65_535) {
                    throw new IllegalArgumentException("port out of range (1-65535) in " + describe(s));
                }
                if (out.contains(s)) { // else one Redis listed twice passes for a Redis Cluster that never forms
                    throw new IllegalArgumentException("listed twice: " + describe(s));
                }
                out.add(s);
            }
            if (out.isEmpty()) throw new IllegalArgumentException("expected at least one redis:// URL");
            return List.copyOf(out);
        };
    }

    private static List<?> list(Object raw, String what) {
        if (raw instanceof List<?> l) return l;
        throw new IllegalArgumentException("expected an array of " + what + ", got " + describe(raw));
    }

    static String describe(Object raw) {
        if (raw instanceof String s) return "\"" + s + "\"";
        if (raw instanceof List<?>) return "an array";
        if (raw instanceof java.util.Map<?, ?>) return "a table";
        return String.valueOf(raw);
    }
}
