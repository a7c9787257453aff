package trackerd.handoff;

/**
 * A request on its way from a socket worker to a swarm worker and its answer on the way back.
 * Slots are pooled per socket worker ({@link SwarmGateway}) and reused, so the hot path
 * allocates nothing. Ownership passes with the slot through the queues (which order memory),
 * so its plain fields are only ever touched by one thread at a time.
 *
 * <p>The front end fills the request fields and its own context ({@link #remote}, {@link #transactionId}, {@link #handler}); the swarm worker fills the
 * result fields and touches nothing else.
 */
public final class RequestSlot {
    public static final int ANNOUNCE = 1;
    public static final int SCRAPE = 2;

    /** BEP 15 numbering. */
    public static final int EVENT_NONE = 0;
    public static final int EVENT_COMPLETED = 1;
    public static final int EVENT_STARTED = 2;
    public static final int EVENT_STOPPED = 3;

    public static final int OK = 0;
    public static final int TOO_MANY_TORRENTS = 1;
    public static final int TOO_MANY_PEERS = 2;
    /** A swarm queue was full: nothing was done. */
    public static final int BUSY = 3;
    public static final int INTERNAL_ERROR = 4;
    /** The source address has used up its new-torrent budget (limits.new_torrents_per_address_*). */
    public static final int TOO_MANY_NEW_TORRENTS = 5;
    /** The tracker holds limits.max_peers peers: a new peer cannot join any swarm. */
    public static final int TRACKER_FULL_OF_PEERS = 6;

    final SwarmGateway home;

    // ---- request (front end) ----
    public int kind;
    public long infoHash0;
    public long infoHash1;
    public int infoHash2;
    public boolean ipv6;
    /** IPv4: the address in the low 32 bits. IPv6: bits 127..64. */
    public long address0;
    /** IPv6: bits 63..0. */
    public long address1;
    public int port;
    public int event;
    /** left == 0, or the event is completed. */
    public boolean seeder;
    /** -1: the configured default. */
    public int numwant;

    /** Scrape: the hashes of this part, three longs each (h0, h1, h2). */
    public final long[] scrapeHashes;
    public int scrapeCount;
    /** Scrape: where each hash of this part goes in {@link #scrapeParent}'s results. */
    final int[] scrapeIndex;
    /** Scrape: the slot that collects every part's results and is answered; itself if unsplit. */
    RequestSlot scrapeParent;
    /** On the parent: parts not yet back. */
    int pendingParts;

    // ---- front-end context, never read by the swarm ----
    public Object remote;
    public int transactionId;
    public ResponseHandler handler;

    // ---- result (swarm worker) ----
    public int status;
    public int seeders;
    public int leechers;
    public int completed;
    public int peerCount;
    /** Reply peers in wire form: 6 bytes each (IPv4) or 18 (IPv6). */
    public final byte[] peers;
    /** Scrape results, three ints per hash of the parent: seeders, completed, leechers. */
    public final int[] scrapeResults;

    RequestSlot(SwarmGateway home, int maxResponsePeers, int maxScrapeHashes) {
        this.home = home;
        peers = new byte[maxResponsePeers * 18];
        scrapeHashes = new long[maxScrapeHashes * 3];
        scrapeIndex = new int[maxScrapeHashes];
        scrapeResults = new int[maxScrapeHashes * 3];
    }

    /** A slot outside any pool, for benchmarks and tests that drive a shard directly. */
    public static RequestSlot detached(int maxResponsePeers, int maxScrapeHashes) {
        return new RequestSlot(null, maxResponsePeers, maxScrapeHashes);
    }

    /** Adds one info hash to a scrape request being built. */
    public void addScrapeHash(long h0, long h1, int h2) {
        int i = scrapeCount * 3;
        scrapeHashes[i] = h0;
        scrapeHashes[i + 1] = h1;
        scrapeHashes[i + 2] = h2;
        scrapeIndex[scrapeCount] = scrapeCount;
        scrapeCount++;
    }

    /** The gateway this slot belongs to; swarm workers hand the slot back through it. */
    public SwarmGateway gateway() {
        return home;
    }

    /** Where each hash of this scrape part goes in the parent's results. */
    public int[] scrapeIndexes() {
        return scrapeIndex;
    }

    /** The array this scrape part's results go to: the parent's. */
    public int[] scrapeResultsArray() {
        return scrapeParent.scrapeResults;
    }

    /** Back to the pool it came from; only on its socket worker's event loop. */
    public void release() {
        home.release(this);
    }

    void resetRequest() {
        kind = 0;
        scrapeCount = 0;
        scrapeParent = null;
        pendingParts = 0;
        remote = null;
        handler = null;
        status = OK;
    }
}
