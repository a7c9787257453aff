package trackerd.config;

/**
 * Turns a raw TOML value (as toml4j returns it: Boolean, Long, Double, String, List, Map) into
 * the typed value a config record holds. Throws {@link IllegalArgumentException} with a reason
 * fit for an operator when the value is of the wrong kind or out of range.
 */
@FunctionalInterface
public interface ValueType {
    Object convert(Object raw);
}
