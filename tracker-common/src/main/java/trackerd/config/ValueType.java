package trackerd.config;

/**
 * Turns a raw TOML value (as toml4j returns it: Boolean, Long, Double, String, List, Map) into
 * the typed value a config record holds. Throws {@link IllegalArgumentException} with a reason
 * fit for an operator when the value is of the wrong kind or out of range.
 *
 * @param <T> the Java type of the key's value
 */
@FunctionalInterface
public interface ValueType<T> {
    T convert(Object raw);
}
