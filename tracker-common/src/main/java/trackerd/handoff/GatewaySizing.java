package trackerd.handoff;

/**
 * How many requests and scrape blocks one socket worker's {@link SwarmGateway} pools. The pools
 * are allocated at start on every event loop, so their total must stay a small share of the heap
 * whatever the core count: {@link #forLoops} gives each loop {@code workers.queue_capacity}
 * requests unless all loops together would take more than {@link #HEAP_SHARE_PERCENT} % of the
 * heap, and then fewer (never under {@link #MIN_REQUESTS}).
 *
 * @param requests requests one loop may have in flight
 * @param scrapeBlocks scrapes one loop may have in flight (one block each, however many shards)
 */
public record GatewaySizing(int requests, int scrapeBlocks, int maxResponsePeers, int maxScrapeHashes) {
    static final int HEAP_SHARE_PERCENT = 4;
    static final int MIN_REQUESTS = 64;
    /** A scrape block for this many requests: scrapes are a few percent of a tracker's traffic. */
    static final int REQUESTS_PER_SCRAPE_BLOCK = 16;
    static final int MIN_SCRAPE_BLOCKS = 4;

    /**
     * Pools for each of {@code loops} event loops.
     *
     * @param queueCapacity {@code workers.queue_capacity}: the most one loop may have in flight
     * @param maxHeapBytes the JVM's {@code Runtime.maxMemory()}
     */
    public static GatewaySizing forLoops(int queueCapacity, int loops, long maxHeapBytes, int maxResponsePeers,
                                         int maxScrapeHashes) {
        long perRequest = requestBytes(maxResponsePeers)
            + (scrapeBlockBytes(maxScrapeHashes) + REQUESTS_PER_SCRAPE_BLOCK - 1) / REQUESTS_PER_SCRAPE_BLOCK;
        long budgetPerLoop = maxHeapBytes / 100 * HEAP_SHARE_PERCENT / Math.max(1, loops);
        int requests = (int) Math.max(MIN_REQUESTS, Math.min(queueCapacity, budgetPerLoop / perRequest));
        int blocks = Math.max(MIN_SCRAPE_BLOCKS, requests / REQUESTS_PER_SCRAPE_BLOCK);
        return new GatewaySizing(requests, blocks, maxResponsePeers, maxScrapeHashes);
    }

    /**
     * Heap bytes per pooled request, side tables included (compressed oops): the object and its
     * fields (about 112), the reply-peer array (16 + 18 per peer), and about 32 bytes of gateway
     * tables (free list, handler, scrape parent, answer queue) plus room for a front end's own.
     */
    public static long requestBytes(int maxResponsePeers) {
        return 112 + 16 + 18L * maxResponsePeers + 48;
    }

    /** Heap bytes per scrape block: 38 per hash of room (3 longs, a short, 3 ints) plus headers. */
    public static long scrapeBlockBytes(int maxScrapeHashes) {
        return 88 + 38L * maxScrapeHashes;
    }

    /** Heap bytes of one loop's pools. */
    public long loopBytes() {
        return requests * requestBytes(maxResponsePeers) + scrapeBlocks * scrapeBlockBytes(maxScrapeHashes);
    }
}
