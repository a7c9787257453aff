package trackerd.http.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Failure replies, {@code d14:failure reason<length>:<text>e} (BEP 3), encoded once at class
 * load. They go out with status 200 so every client shows the text. "tracker busy" also carries
 * BEP 31's {@code retry in} (minutes); bencode sorts its key after {@code failure reason}
 * ('f' &lt; 'r'). Immutable and thread-safe; never modify the returned arrays.
 */
public final class HttpFailures {
    public static final byte[] NOT_FOUND = body("unknown path: use /announce or /scrape");
    public static final byte[] BAD_REQUEST = body("malformed request");
    public static final byte[] MISSING_INFO_HASH = body("missing info_hash");
    public static final byte[] BAD_INFO_HASH = body("invalid info_hash: must be 20 bytes, percent-encoded");
    public static final byte[] MISSING_PEER_ID = body("missing peer_id");
    public static final byte[] BAD_PEER_ID = body("invalid peer_id: must be 20 bytes, percent-encoded");
    public static final byte[] MISSING_PORT = body("missing port");
    public static final byte[] BAD_PORT = body("invalid port: must be 1-65535");
    public static final byte[] BAD_UPLOADED = body("invalid uploaded: must be a non-negative integer");
    public static final byte[] BAD_DOWNLOADED = body("invalid downloaded: must be a non-negative integer");
    public static final byte[] BAD_LEFT = body("invalid left: must be a non-negative integer");
    public static final byte[] BAD_EVENT = body("invalid event: must be started, completed, stopped, paused or empty");
    public static final byte[] BAD_NUMWANT = body("invalid numwant: must be an integer");
    public static final byte[] BAD_COMPACT = body("invalid compact: must be 0 or 1");
    public static final byte[] TOO_MANY_HASHES = body("too many info hashes in one scrape");
    // ---- from the swarm, not the decoder ----
    public static final byte[] FORBIDDEN = body("info hash not served by this tracker");
    public static final byte[] TOO_MANY_TORRENTS = body("tracker is full: too many torrents");
    public static final byte[] TOO_MANY_PEERS = body("swarm is full: too many peers");
    public static final byte[] TOO_MANY_NEW_TORRENTS = body("too many new torrents from this address: try again later");
    public static final byte[] TRACKER_FULL_OF_PEERS = body("tracker is full: too many peers");
    public static final byte[] FULL_SCRAPE_DISABLED = body("full scrape is not served: give an info_hash");
    public static final byte[] INTERNAL_ERROR = body("internal tracker error");
    /** "tracker busy" without {@code retry in}; see {@link #busy(int)} for the BEP 31 form. */
    public static final byte[] BUSY = body("tracker busy");

    private static final byte[] BUSY_RETRY_PREFIX = Bencode.ascii("d14:failure reason12:tracker busy8:retry ini");
    private static final byte[] END_INTEGER_AND_DICT = Bencode.ascii("ee");

    /** Indexed by decoder status; OK has none. */
    private static final byte[][] BY_STATUS = new byte[HttpTrackerRequestDecoder.STATUS_COUNT][];

    static {
        BY_STATUS[HttpTrackerRequestDecoder.NOT_FOUND] = NOT_FOUND;
        BY_STATUS[HttpTrackerRequestDecoder.BAD_RANGE] = BAD_REQUEST;
        BY_STATUS[HttpTrackerRequestDecoder.MISSING_INFO_HASH] = MISSING_INFO_HASH;
        BY_STATUS[HttpTrackerRequestDecoder.BAD_INFO_HASH] = BAD_INFO_HASH;
        BY_STATUS[HttpTrackerRequestDecoder.MISSING_PEER_ID] = MISSING_PEER_ID;
        BY_STATUS[HttpTrackerRequestDecoder.BAD_PEER_ID] = BAD_PEER_ID;
        BY_STATUS[HttpTrackerRequestDecoder.MISSING_PORT] = MISSING_PORT;
        BY_STATUS[HttpTrackerRequestDecoder.BAD_PORT] = BAD_PORT;
        BY_STATUS[HttpTrackerRequestDecoder.BAD_UPLOADED] = BAD_UPLOADED;
        BY_STATUS[HttpTrackerRequestDecoder.BAD_DOWNLOADED] = BAD_DOWNLOADED;
        BY_STATUS[HttpTrackerRequestDecoder.BAD_LEFT] = BAD_LEFT;
        BY_STATUS[HttpTrackerRequestDecoder.BAD_EVENT] = BAD_EVENT;
        BY_STATUS[HttpTrackerRequestDecoder.BAD_NUMWANT] = BAD_NUMWANT;
        BY_STATUS[HttpTrackerRequestDecoder.BAD_COMPACT] = BAD_COMPACT;
        BY_STATUS[HttpTrackerRequestDecoder.TOO_MANY_HASHES] = TOO_MANY_HASHES;
    }

    private HttpFailures() {}

    /** {@code d14:failure reason<length>:<text>e} for an ASCII text; for constants, at start-up. */
    public static byte[] body(String reason) {
        return Bencode.ascii("d14:failure reason" + reason.length() + ":" + reason + "e");
    }

    /**
     * The body for a {@link HttpTrackerRequestDecoder} status other than OK; for an unknown
     * status, {@link #BAD_REQUEST}.
     */
    public static byte[] forStatus(int decoderStatus) {
        if (decoderStatus <= 0 || decoderStatus >= BY_STATUS.length) return BAD_REQUEST;
        return BY_STATUS[decoderStatus];
    }

    /**
     * {@code d14:failure reason12:tracker busy8:retry ini<minutes>ee} (BEP 31): pre-encode it
     * once from the configured delay, or write it per reply with {@link #writeBusy}.
     */
    public static byte[] busy(int retryInMinutes) {
        byte[] body = new byte[busyLength(retryInMinutes)];
        ByteBuf out = io.netty.buffer.Unpooled.wrappedBuffer(body).writerIndex(0);
        writeBusy(out, retryInMinutes);
        return body;
    }

    /** Bytes of {@link #writeBusy}. */
    public static int busyLength(int retryInMinutes) {
        return BUSY_RETRY_PREFIX.length + Bencode.decimalLength(retryInMinutes) + END_INTEGER_AND_DICT.length;
    }

    /** Writes the BEP 31 busy body; allocation-free. */
    public static void writeBusy(ByteBuf out, int retryInMinutes) {
        out.writeBytes(BUSY_RETRY_PREFIX);
        Bencode.writeDecimal(out, retryInMinutes);
        out.writeBytes(END_INTEGER_AND_DICT);
    }

    /** A pre-encoded body in an exactly sized buffer from {@code alloc}. */
    public static ByteBuf encode(ByteBufAllocator alloc, byte[] body) {
        return alloc.buffer(body.length, body.length).writeBytes(body);
    }
}
