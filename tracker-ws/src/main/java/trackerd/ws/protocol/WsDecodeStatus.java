package trackerd.ws.protocol;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;

/**
 * What {@link WsRequestDecoder#decode} found wrong with a frame, as an int the front end counts
 * (by {@link #name}) and answers with {@link #reason} in a {@code "failure reason"} reply. Every
 * reason is safe to tell the client: it names the field, never echoes input.
 */
public final class WsDecodeStatus {
    public static final int OK = 0;
    /** Not JSON, truncated, nested too deep, or a number too long for jackson's limits. */
    public static final int MALFORMED_JSON = 1;
    /** More bytes than the decoder was built for (the WebSocket layer should stop these first). */
    public static final int FRAME_TOO_LARGE = 2;
    /** Valid JSON whose root is not an object. */
    public static final int NOT_AN_OBJECT = 3;
    /** Bytes other than whitespace after the root object (two messages in one frame, garbage). */
    public static final int TRAILING_DATA = 4;
    public static final int MISSING_ACTION = 5;
    /** {@code action} neither "announce" nor "scrape" (or not a string). */
    public static final int UNKNOWN_ACTION = 6;
    /** Not a 20-char binary string (scrape: nor an array of them; announce: an array). */
    public static final int INVALID_INFO_HASH = 7;
    public static final int MISSING_INFO_HASH = 8;
    public static final int INVALID_PEER_ID = 9;
    public static final int MISSING_PEER_ID = 10;
    public static final int INVALID_EVENT = 11;
    /** Not a non-negative integer or null. */
    public static final int INVALID_NUMWANT = 12;
    /** {@code left}, {@code uploaded} or {@code downloaded} not a number or null. */
    public static final int INVALID_AMOUNT = 13;
    /** {@code offers} not an array of objects. */
    public static final int INVALID_OFFERS = 14;
    /** An offer without an {@code offer} object. */
    public static final int INVALID_OFFER = 15;
    /** An {@code offer_id} missing (in an offer, or with an answer) or not a 20-char binary string. */
    public static final int INVALID_OFFER_ID = 16;
    public static final int TOO_MANY_OFFERS = 17;
    /** {@code answer} not an object. */
    public static final int INVALID_ANSWER = 18;
    /** An answer without {@code to_peer_id}, or one that is not a 20-char binary string. */
    public static final int INVALID_TO_PEER_ID = 19;
    public static final int TOO_MANY_INFO_HASHES = 20;

    private static final String[] NAMES = {
        "ok", "malformed_json", "frame_too_large", "not_an_object", "trailing_data", "missing_action",
        "unknown_action", "invalid_info_hash", "missing_info_hash", "invalid_peer_id", "missing_peer_id",
        "invalid_event", "invalid_numwant", "invalid_amount", "invalid_offers", "invalid_offer",
        "invalid_offer_id", "too_many_offers", "invalid_answer", "invalid_to_peer_id", "too_many_info_hashes",
    };

    private static final String[] REASONS = {
        "ok", "invalid JSON", "message too large", "message is not a JSON object",
        "data after the JSON object", "missing action", "invalid action", "invalid info_hash",
        "missing info_hash", "invalid peer_id", "missing peer_id", "invalid event", "invalid numwant",
        "invalid left, uploaded or downloaded", "invalid offers", "invalid offer", "invalid offer_id",
        "too many offers", "invalid answer", "invalid `to_peer_id` (required with `answer`)",
        "too many info_hash values",
    };

    private static final SerializedString[] ENCODED_REASONS = new SerializedString[REASONS.length];

    static {
        for (int i = 0; i < REASONS.length; i++) {
            ENCODED_REASONS[i] = new SerializedString(REASONS[i]);
            ENCODED_REASONS[i].asQuotedUTF8(); // encode once now, not on the first failure of each kind
        }
    }

    /** One more than the largest status: size of a per-status counter array. */
    public static final int COUNT = NAMES.length;

    private WsDecodeStatus() {}

    /** A metric label in snake case, e.g. {@code invalid_info_hash}. */
    public static String name(int status) {
        return status >= 0 && status < COUNT ? NAMES[status] : "unknown";
    }

    /** The {@code failure reason} text for the client. */
    public static String reason(int status) {
        return status >= 0 && status < COUNT ? REASONS[status] : "invalid request";
    }

    static SerializableString encodedReason(int status) {
        return ENCODED_REASONS[status >= 0 && status < COUNT ? status : MALFORMED_JSON];
    }
}
