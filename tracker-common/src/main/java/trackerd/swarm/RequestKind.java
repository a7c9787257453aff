package trackerd.swarm;

/** What a {@link SwarmRequest} asks of its shard. */
public enum RequestKind {
    /** BEP 3/15 announce: add, refresh or remove one peer and pick reply peers. */
    ANNOUNCE,
    /** BEP 15/48 scrape: counts of up to {@code limits.max_scrape_hashes} torrents. */
    SCRAPE
}
