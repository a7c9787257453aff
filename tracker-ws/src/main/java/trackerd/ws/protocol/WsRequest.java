package trackerd.ws.protocol;

/**
 * One decoded WebTorrent request, filled by {@link WsRequestDecoder#decode} and reused for the
 * next frame (nothing here is allocated per message). Owned by the decoder's thread.
 *
 * <p>Announce: {@link #infoHash}, {@link #peerId}, {@link #event}, {@link #numwant},
 * {@link #seeder}; up to {@link #maxOffers()} offers, each an {@link #offerId(int)} and the byte
 * range of its opaque SDP value inside the frame; an answer (when {@link #hasAnswer}) with
 * {@link #toPeerId}, {@link #answerOfferId} and its byte range. Scrape: {@link #fullScrape} or
 * {@link #scrapeCount} hashes in {@link #scrapeHash(int, BinaryId)}.
 *
 * <p>Byte ranges ({@code *Start}, {@code *End}, end exclusive) are offsets from the frame's
 * reader index as it was passed to the decoder: the raw JSON value exactly as received
 * (e.g. {@code {"type":"offer","sdp":"v=0\r\n..."}}), to be copied verbatim into the relay.
 */
public final class WsRequest {
    public static final int ACTION_NONE = 0;
    public static final int ACTION_ANNOUNCE = 1;
    public static final int ACTION_SCRAPE = 2;

    /** The numbering of BEP 15 and {@code RequestSlot}; "update" or no event is {@link #EVENT_NONE}. */
    public static final int EVENT_NONE = 0;
    public static final int EVENT_COMPLETED = 1;
    public static final int EVENT_STARTED = 2;
    public static final int EVENT_STOPPED = 3;

    public int action;
    /** Announce: the torrent. Scrape: also scrape hash 0 when one string was given. */
    public final BinaryId infoHash = new BinaryId();
    /** An {@code info_hash} string was read (a failure reply can then name the torrent). */
    public boolean hasInfoHash;
    public final BinaryId peerId = new BinaryId();
    public boolean hasPeerId;
    public int event;
    /** -1 when absent or null: the configured default. */
    public int numwant;
    /** {@code left} was the number 0; absent, null or any other number is a leecher. */
    public boolean seeder;

    public int offerCount;
    private final BinaryId[] offerIds;
    private final int[] offerStart;
    private final int[] offerEnd;

    public boolean hasAnswer;
    public int answerStart;
    public int answerEnd;
    /** With an answer: the offerer it goes to. */
    public final BinaryId toPeerId = new BinaryId();
    public boolean hasToPeerId;
    /** With an answer: the offer it answers. */
    public final BinaryId answerOfferId = new BinaryId();
    public boolean hasAnswerOfferId;

    /** Scrape without {@code info_hash} (or null): every torrent. */
    public boolean fullScrape;
    public int scrapeCount;
    private final long[] scrapeHashes;
    /** {@code info_hash} was an array (valid for scrape only). */
    boolean infoHashIsArray;

    /** Room for {@code maxOffers} offers per announce and {@code maxScrapeHashes} per scrape. */
    public WsRequest(int maxOffers, int maxScrapeHashes) {
        offerIds = new BinaryId[maxOffers];
        for (int i = 0; i < maxOffers; i++) offerIds[i] = new BinaryId();
        offerStart = new int[maxOffers];
        offerEnd = new int[maxOffers];
        scrapeHashes = new long[Math.max(1, maxScrapeHashes) * 3];
    }

    public int maxOffers() {
        return offerIds.length;
    }

    public int maxScrapeHashes() {
        return scrapeHashes.length / 3;
    }

    public BinaryId offerId(int i) {
        return offerIds[i];
    }

    public int offerStart(int i) {
        return offerStart[i];
    }

    public int offerEnd(int i) {
        return offerEnd[i];
    }

    /** Scrape hash {@code i} (0 .. scrapeCount-1) into {@code out}. */
    public BinaryId scrapeHash(int i, BinaryId out) {
        return out.set(scrapeHashes[3 * i], scrapeHashes[3 * i + 1], (int) scrapeHashes[3 * i + 2]);
    }

    /** The scrape hashes, three longs each (h0, h1, h2 in the low 32 bits), as RequestSlot keeps them. */
    public long[] scrapeHashWords() {
        return scrapeHashes;
    }

    void setOffer(int i, int start, int end) {
        offerStart[i] = start;
        offerEnd[i] = end;
    }

    /** False when the array is full. */
    boolean addScrapeHash(BinaryId id) {
        int i = scrapeCount * 3;
        if (i >= scrapeHashes.length) return false;
        scrapeHashes[i] = id.w0;
        scrapeHashes[i + 1] = id.w1;
        scrapeHashes[i + 2] = id.w2;
        scrapeCount++;
        return true;
    }

    void reset() {
        action = ACTION_NONE;
        hasInfoHash = false;
        hasPeerId = false;
        event = EVENT_NONE;
        numwant = -1;
        seeder = false;
        offerCount = 0;
        hasAnswer = false;
        answerStart = 0;
        answerEnd = 0;
        hasToPeerId = false;
        hasAnswerOfferId = false;
        fullScrape = true;
        scrapeCount = 0;
        infoHashIsArray = false;
    }
}
