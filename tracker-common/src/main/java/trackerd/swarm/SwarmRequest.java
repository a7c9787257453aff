package trackerd.swarm;

/**
 * A request on its way from a socket worker to a swarm worker, and its answer on the way back:
 * the one message every front end (UDP, HTTP, WebTorrent) sends to the swarms. Fixed size and
 * pooled per socket worker, so the hot path allocates nothing; a scrape's hashes travel in a
 * separately pooled {@link ScrapeBlock}, so announces do not carry scrape arrays.
 *
 * <p>Ownership passes with the request through the queues (which order memory), so its plain
 * fields are only ever touched by one thread at a time. The front end fills the request fields
 * and {@link #context}; the swarm worker fills the result fields and touches nothing else.
 *
 * <p>Size: about 130 bytes of fields plus {@link #peers} ({@code swarm.max_response_peers} x 18
 * bytes), so 1,016 bytes with the default 50 peers.
 */
public final class SwarmRequest {
    /** Where the answer goes; null for a request outside any pool (tests, benchmarks). */
    final ReturnPort returnPort;
    private final int index;

    // ---- request (front end) ----
    public RequestKind kind;
    /** The info hash as three big-endian words: bytes 0-7, 8-15, 16-19. */
    public long infoHash0;
    public long infoHash1;
    public int infoHash2;
    /** The peer's address family: it is only handed peers of its own family. */
    public boolean ipv6;
    /** IPv4: the address in the low 32 bits. IPv6: bits 127..64. */
    public long address0;
    /** IPv6: bits 63..0. */
    public long address1;
    /** The peer's listen port, 1-65535. */
    public int port;
    public AnnounceEvent event = AnnounceEvent.NONE;
    /** left == 0 (or BEP 21 paused). {@code completed} makes a peer a seeder whatever this says. */
    public boolean seeder;
    /** -1: the configured default. */
    public int numwant;
    /** The hashes of a scrape; null for an announce. */
    public ScrapeBlock scrape;

    // ---- WebTorrent (webTorrent true): the peer is its peer id and its connection ----
    /** A WebTorrent request: its own swarms ({@link WsSwarms}), keyed by peer id, not address. */
    public boolean webTorrent;
    /** The peer id as three big-endian words (bytes 0-7, 8-15, 16-19), like the info hash. */
    public long peerId0;
    public long peerId1;
    public int peerId2;
    /**
     * The event loop the connection lives on, as the WebTorrent front end numbers its loops
     * (0-65535): the shard stores it with the peer so relays to that peer go to that loop.
     */
    public int loopIndex;
    /** The connection's token in that loop's {@code ConnectionRegistry} (slot and generation). */
    public long connection;
    /** Offers to place or an answer to route; null for every other request. */
    public RelayBlock relay;

    // ---- front-end context, never read by the swarm ----
    /**
     * Opaque to the swarm: what the front end needs to answer (a UDP transaction id; a connection
     * id and generation, so an HTTP or WebSocket front end can tell that the connection went away
     * while the request was out).
     */
    public long context;

    // ---- result (swarm worker) ----
    public RequestStatus status = RequestStatus.OK;
    public int seeders;
    public int leechers;
    /** Downloads counted for the torrent ({@code event=completed}). */
    public int completed;
    public int peerCount;
    /** Reply peers in the wire form BEP 15, 23 and 7 share: 6 bytes each (IPv4) or 18 (IPv6). */
    public final byte[] peers;

    /**
     * @param returnPort where answers go (the owning socket worker's gateway)
     * @param index its place in the owner's pool, for the owner's side tables
     * @param maxResponsePeers room for this many reply peers of either family
     */
    public SwarmRequest(ReturnPort returnPort, int index, int maxResponsePeers) {
        this.returnPort = returnPort;
        this.index = index;
        this.peers = new byte[maxResponsePeers * 18];
    }

    /** A request outside any pool, for benchmarks and tests that drive a shard directly. */
    public static SwarmRequest detached(int maxResponsePeers) {
        return new SwarmRequest(null, 0, maxResponsePeers);
    }

    /** Its place in the pool it belongs to: front ends may keep per-request state in arrays. */
    public int index() {
        return index;
    }

    /** Clears what a new request must not inherit; the front end then sets what it uses. */
    public void reset() {
        kind = null;
        event = AnnounceEvent.NONE;
        seeder = false;
        numwant = -1;
        scrape = null;
        webTorrent = false;
        relay = null;
        context = 0;
        status = RequestStatus.OK;
        peerCount = 0;
    }
}
