package trackerd.http.protocol;

/**
 * One decoded HTTP tracker request target (BEP 3 announce, BEP 48 scrape), filled in place by
 * {@link HttpTrackerRequestDecoder} and reused for every request: one instance per event loop,
 * only ever touched on that loop's thread. Fields are valid only after a decode that returned
 * {@link HttpTrackerRequestDecoder#OK} and only until the next decode.
 *
 * <p>Announce fields, all from the query string:
 * <pre>
 * info_hash  -> infoHash0 (bytes 0-7, big-endian), infoHash1 (8-15), infoHash2 (16-19), as RequestSlot
 * peer_id    -> peerId[20]                         (raw bytes, percent-decoded)
 * port       -> port            1-65535
 * uploaded   -> uploaded        bytes, >= 0, 0 if absent, clamped to Long.MAX_VALUE
 * downloaded -> downloaded      bytes, >= 0, 0 if absent, clamped
 * left       -> left            bytes, >= 0, -1 if absent (unknown: a leecher unless the event says otherwise)
 * event      -> event           EVENT_* (BEP 15 numbering, plus PAUSED for BEP 21)
 * numwant    -> numwant         >= 0, or -1 (absent or negative: the configured default)
 * compact    -> compact         true unless compact=0 (BEP 23)
 * no_peer_id -> noPeerId        no_peer_id=1
 * ip         -> ipv4 or ipv6    whichever family the literal is; a host name is ignored (BEP 3 allows one)
 * ipv4, ipv6 -> ipv4, ipv6      BEP 7; they win over ip=. Addresses are primitives, never InetAddress
 * </pre>
 * The addresses are client claims: the server uses them only when configured to trust them.
 *
 * <p>Scrape: {@link #scrapeCount} info hashes, three longs each (h0, h1, h2 as above), in
 * {@link #scrapeHashes}, in request order, duplicates kept. Zero hashes asks for a full scrape.
 */
public final class HttpTrackerRequest {
    /** The path: {@code /announce}. */
    public static final int ANNOUNCE = 1;
    /** The path: {@code /scrape}. */
    public static final int SCRAPE = 2;
    /** The path: {@code /health}, a liveness probe; the query is not read. */
    public static final int HEALTH = 3;
    /** Any other path: answer 404. */
    public static final int NOT_FOUND = 4;

    /** BEP 15 numbering, the same values as {@code RequestSlot}'s, so they copy straight across. */
    public static final int EVENT_NONE = 0;
    public static final int EVENT_COMPLETED = 1;
    public static final int EVENT_STARTED = 2;
    public static final int EVENT_STOPPED = 3;
    /** BEP 21: an upload-only (partial) seeder; it wants no seeders, so count it as one. */
    public static final int EVENT_PAUSED = 4;

    /** {@link #ANNOUNCE}, {@link #SCRAPE}, {@link #HEALTH} or {@link #NOT_FOUND}; 0 before a decode. */
    public int kind;

    public long infoHash0;
    public long infoHash1;
    public int infoHash2;
    /** Raw peer id bytes; the array is reused: copy it if it must outlive the next decode. */
    public final byte[] peerId = new byte[20];
    public int port;
    public long uploaded;
    public long downloaded;
    public long left;
    public int event;
    public int numwant;
    public boolean compact;
    public boolean noPeerId;

    /** An IPv4 address claimed by {@code ipv4=} or {@code ip=}, in the low 32 bits. */
    public boolean hasIpv4;
    public int ipv4;
    /** An IPv6 address claimed by {@code ipv6=} or {@code ip=}: bits 127..64 and 63..0. */
    public boolean hasIpv6;
    public long ipv6High;
    public long ipv6Low;

    /** Where scrape info hashes go: three longs per hash. */
    public long[] scrapeHashes;
    /** At most this many scrape hashes fit; more is {@link HttpTrackerRequestDecoder#TOO_MANY_HASHES}. */
    public int maxScrapeHashes;
    public int scrapeCount;

    // ---- decoder scratch, reused so a decode allocates nothing ----
    /** Which announce parameters were seen, one bit each: the first occurrence wins. */
    int seen;
    final byte[] hash = new byte[20];
    /** A percent-decoded ip value: the longest useful literal is "[IPv6 with embedded IPv4]:port". */
    final byte[] ipText = new byte[64];
    final int[] ipv6Groups = new int[8];
    final long[] ipv6Out = new long[2];
    /** The request target, copied once from the buffer; grows to the longest target seen. */
    private byte[] target = new byte[512];

    /** A request with its own scrape area of {@code maxScrapeHashes} hashes. */
    public HttpTrackerRequest(int maxScrapeHashes) {
        scrapeArea(new long[maxScrapeHashes * 3], maxScrapeHashes);
    }

    /**
     * Points scrape hashes at a caller's array, e.g. a hand-off slot's, so they need no copy.
     * {@code area} must hold {@code 3 * maxHashes} longs.
     */
    public void scrapeArea(long[] area, int maxHashes) {
        if (area.length < maxHashes * 3) {
            throw new IllegalArgumentException("scrape area holds " + area.length / 3 + " hashes, not " + maxHashes);
        }
        scrapeHashes = area;
        maxScrapeHashes = maxHashes;
    }

    /** left == 0, or an event that only a seeder sends (completed, paused). */
    public boolean seeder() {
        return left == 0 || event == EVENT_COMPLETED || event == EVENT_PAUSED;
    }

    /** Info hash byte {@code i} (0-19) of scrape hash {@code index}; for tests and logs, not the hot path. */
    public int scrapeHashByte(int index, int i) {
        long word = scrapeHashes[index * 3 + (i < 8 ? 0 : i < 16 ? 1 : 2)];
        int shift = i < 16 ? 56 - 8 * (i & 7) : 24 - 8 * (i - 16);
        return (int) (word >>> shift) & 0xFF;
    }

    /** The scratch array for a target of {@code length} bytes (bounded by {@code http.max_request_bytes}). */
    byte[] target(int length) {
        if (target.length < length) target = new byte[Math.max(length, 2 * target.length)];
        return target;
    }

    void reset() {
        kind = 0;
        infoHash0 = 0;
        infoHash1 = 0;
        infoHash2 = 0;
        port = 0;
        uploaded = 0;
        downloaded = 0;
        left = -1;
        event = EVENT_NONE;
        numwant = -1;
        compact = true;
        noPeerId = false;
        hasIpv4 = false;
        ipv4 = 0;
        hasIpv6 = false;
        ipv6High = 0;
        ipv6Low = 0;
        scrapeCount = 0;
        seen = 0;
    }
}
