package trackerd.metrics;

/**
 * Pages the metrics endpoint serves besides {@code /metrics} (the stats page and its JSON). The
 * metrics package knows nothing of what they show, so it depends on no other part of the tracker.
 *
 * <p>Threading: {@link #page} is called on the metrics thread, one request at a time; it must not
 * block (render from something already computed).
 */
@FunctionalInterface
public interface PageSource {
    /** A rendered page: its {@code Content-Type} and UTF-8 body. */
    record Page(String contentType, byte[] body) {}

    /** The page at {@code path} (query string removed), or null when this source has none. */
    Page page(String path);
}
