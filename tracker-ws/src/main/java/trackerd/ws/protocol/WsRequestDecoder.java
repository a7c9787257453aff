package trackerd.ws.protocol;

import static trackerd.ws.protocol.WsDecodeStatus.FRAME_TOO_LARGE;
import static trackerd.ws.protocol.WsDecodeStatus.INVALID_AMOUNT;
import static trackerd.ws.protocol.WsDecodeStatus.INVALID_ANSWER;
import static trackerd.ws.protocol.WsDecodeStatus.INVALID_EVENT;
import static trackerd.ws.protocol.WsDecodeStatus.INVALID_INFO_HASH;
import static trackerd.ws.protocol.WsDecodeStatus.INVALID_NUMWANT;
import static trackerd.ws.protocol.WsDecodeStatus.INVALID_OFFER;
import static trackerd.ws.protocol.WsDecodeStatus.INVALID_OFFERS;
import static trackerd.ws.protocol.WsDecodeStatus.INVALID_OFFER_ID;
import static trackerd.ws.protocol.WsDecodeStatus.INVALID_PEER_ID;
import static trackerd.ws.protocol.WsDecodeStatus.INVALID_TO_PEER_ID;
import static trackerd.ws.protocol.WsDecodeStatus.MALFORMED_JSON;
import static trackerd.ws.protocol.WsDecodeStatus.MISSING_ACTION;
import static trackerd.ws.protocol.WsDecodeStatus.MISSING_INFO_HASH;
import static trackerd.ws.protocol.WsDecodeStatus.MISSING_PEER_ID;
import static trackerd.ws.protocol.WsDecodeStatus.NOT_AN_OBJECT;
import static trackerd.ws.protocol.WsDecodeStatus.OK;
import static trackerd.ws.protocol.WsDecodeStatus.TOO_MANY_INFO_HASHES;
import static trackerd.ws.protocol.WsDecodeStatus.TOO_MANY_OFFERS;
import static trackerd.ws.protocol.WsDecodeStatus.TRAILING_DATA;
import static trackerd.ws.protocol.WsDecodeStatus.UNKNOWN_ACTION;

import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import java.io.IOException;

/**
 * Decodes one WebTorrent JSON text frame (the messages of npm {@code bittorrent-tracker}'s
 * {@code websocket-tracker.js} and {@code webtorrent}) into a reused {@link WsRequest}. Never
 * throws on network bytes: every problem is a {@link WsDecodeStatus}.
 *
 * <p><b>Why one long-lived non-blocking parser.</b> {@code JsonFactory.createParser(byte[])}
 * builds a parser, an IO context, a symbol-table child and a text buffer per call (848 bytes per
 * frame, measured in {@code WsCodecBenchmark}). jackson's non-blocking parser instead takes any
 * number of root values fed buffer by buffer, so this decoder keeps one and feeds it each frame
 * whole: after warm-up a valid frame allocates nothing (0.0 B/op in {@code WsCodecBenchmark}, an
 * announce with 10 offers, heap or direct). The price is speed: the non-blocking parser decodes
 * every string it passes, SDP included, into its char buffer, where the blocking one skips
 * unread strings; on a 6 KB announce it took 10-13 us against 6 us for bare blocking
 * tokenization (shared 2-core machine, errors of +-50 %). Field names come back as canonical
 * Strings from the parser's symbol table, values as the parser's own char buffer, numbers parsed
 * from the token's text in place. A fresh parser (about 1 KB) is made only after a frame that left it mid-document
 * (malformed, truncated) or once unknown field names have grown its symbol table past
 * {@link #MAX_NEW_FIELD_NAMES}; {@link #parserRenewals()} counts these.
 *
 * <p><b>Bytes in.</b> A heap frame is parsed in place; a direct one (what Netty reads sockets
 * into) is first copied into a scratch array of {@code maxFrameBytes}: one memcpy of a
 * 1-2 KB frame, far below the cost of parsing it, and jackson has no byte[]-free parser for
 * off-heap memory that is faster than that copy (its ByteBuffer parser reads byte by byte
 * through bounds-checked gets).
 *
 * <p><b>Fields.</b> Required: {@code action}; for announce {@code info_hash} and
 * {@code peer_id}; with an {@code answer} also {@code to_peer_id} and {@code offer_id}. Optional:
 * {@code event} (started, stopped, completed, update), {@code numwant}, {@code left} (seeder iff
 * it is 0; absent or null as the client sends for unknown sizes is a leecher), {@code uploaded},
 * {@code downloaded} (type-checked, unused), {@code offers}. Field order is free (the JS client
 * puts {@code action} after the announce options); unknown fields are skipped; a repeated field
 * counts its last value. {@code offer} and {@code answer} must be objects and stay opaque.
 *
 * <p><b>Threading.</b> Not thread-safe: one decoder per event loop, like its {@link WsRequest}s.
 */
public final class WsRequestDecoder {
    /** Unknown field names a parser may add to its symbol table before it is replaced. */
    static final int MAX_NEW_FIELD_NAMES = 256;

    private static final char[] ANNOUNCE = "announce".toCharArray();
    private static final char[] SCRAPE = "scrape".toCharArray();
    private static final char[] STARTED = "started".toCharArray();
    private static final char[] STOPPED = "stopped".toCharArray();
    private static final char[] COMPLETED = "completed".toCharArray();
    private static final char[] UPDATE = "update".toCharArray();

    private final FrameParser.Factory factory;
    private final int maxFrameBytes;
    private final byte[] scratch;
    private final BinaryId id = new BinaryId();
    private FrameParser parser;
    private long parserRenewals;

    /** Frames longer than {@code maxFrameBytes} are refused with {@link WsDecodeStatus#FRAME_TOO_LARGE}. */
    public WsRequestDecoder(int maxFrameBytes) {
        this.maxFrameBytes = maxFrameBytes;
        this.scratch = new byte[maxFrameBytes];
        this.factory = new FrameParser.Factory(maxFrameBytes);
        this.parser = factory.newParser();
    }

    /**
     * Decodes the readable bytes of {@code frame} (reader index untouched) into {@code request},
     * whose capacity caps offers and scrape hashes. Byte ranges in the result are offsets from the
     * reader index. On a failure the fields read so far stay set (an {@code info_hash} read before
     * the problem lets the failure reply name the torrent, which the JS client requires).
     */
    public int decode(ByteBuf frame, WsRequest request) {
        int length = frame.readableBytes();
        if (length > maxFrameBytes) {
            request.reset();
            return FRAME_TOO_LARGE;
        }
        if (frame.hasArray()) {
            return decode(frame.array(), frame.arrayOffset() + frame.readerIndex(), length, request);
        }
        frame.getBytes(frame.readerIndex(), scratch, 0, length);
        return decode(scratch, 0, length, request);
    }

    /** As {@link #decode(ByteBuf, WsRequest)}, for {@code length} bytes of {@code frame} at {@code offset}. */
    public int decode(byte[] frame, int offset, int length, WsRequest request) {
        request.reset();
        if (length > maxFrameBytes) return FRAME_TOO_LARGE;
        FrameParser p = parser;
        int status;
        boolean reusable = false;
        try {
            p.feedInput(frame, offset, offset + length);
            status = readRoot(p, request);
            if (p.getParsingContext().inRoot() && p.currentToken() == JsonToken.END_OBJECT) {
                // the root object is complete: only whitespace may follow it in the frame
                if (onlyWhitespace(frame, offset + p.position(), offset + length)) {
                    p.skipRestOfFrame();
                    reusable = true;
                } else if (status == OK) {
                    status = TRAILING_DATA;
                }
            } else if (status == OK) {
                status = MALFORMED_JSON; // cannot happen: OK means the root object ended
            }
        } catch (IOException | RuntimeException e) {
            // jackson reports malformed input (and its own limits) by throwing; it stops here
            status = MALFORMED_JSON;
        }
        if (!reusable || p.newSymbols() > MAX_NEW_FIELD_NAMES) renewParser();
        return status;
    }

    /** Parsers replaced so far (after malformed frames or many unknown field names): a gauge for metrics. */
    public long parserRenewals() {
        return parserRenewals;
    }

    private void renewParser() {
        try {
            parser.close(); // hands its buffers back to jackson's per-thread recycler
        } catch (IOException | RuntimeException ignored) {
            // a broken parser is dropped either way
        }
        parser = factory.newParser();
        parserRenewals++;
    }

    /**
     * Reads the root object. On the first problem it remembers the status and skips to the end
     * of the root object if the frame holds one, so a well-formed but invalid message leaves the
     * parser ready for the next frame.
     */
    private int readRoot(FrameParser p, WsRequest r) throws IOException {
        JsonToken t = p.nextToken();
        if (t != JsonToken.START_OBJECT) {
            return t == JsonToken.NOT_AVAILABLE ? MALFORMED_JSON : NOT_AN_OBJECT;
        }
        int status = OK;
        while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (value == JsonToken.NOT_AVAILABLE) return MALFORMED_JSON;
            status = readField(p, name, value, r);
            if (status != OK) break;
        }
        if (status != OK) {
            // skip what is left of the root object (bounded by the frame: NOT_AVAILABLE ends it)
            while (!(p.getParsingContext().inRoot() && p.currentToken() == JsonToken.END_OBJECT)) {
                t = p.nextToken();
                if (t == JsonToken.NOT_AVAILABLE || t == null) return status == OK ? MALFORMED_JSON : status;
            }
            return status;
        }
        if (t != JsonToken.END_OBJECT) return MALFORMED_JSON;
        return validate(r);
    }

    /** {@code value} is the field's first token; on return the parser is on the field's last token. */
    private int readField(FrameParser p, String name, JsonToken value, WsRequest r) throws IOException {
        switch (name) {
            case "action":
                if (value != JsonToken.VALUE_STRING) return UNKNOWN_ACTION;
                if (textIs(p, ANNOUNCE)) r.action = WsRequest.ACTION_ANNOUNCE;
                else if (textIs(p, SCRAPE)) r.action = WsRequest.ACTION_SCRAPE;
                else return UNKNOWN_ACTION;
                return OK;
            case "info_hash":
                return readInfoHash(p, value, r);
            case "peer_id":
                if (value != JsonToken.VALUE_STRING || !readId(p, r.peerId)) return INVALID_PEER_ID;
                r.hasPeerId = true;
                return OK;
            case "event":
                return readEvent(p, value, r);
            case "numwant":
                return readNumwant(p, value, r);
            case "left":
                if (value == JsonToken.VALUE_NULL) {
                    r.seeder = false;
                } else if (value.isNumeric()) {
                    r.seeder = isZero(p);
                } else {
                    return INVALID_AMOUNT;
                }
                return OK;
            case "uploaded":
            case "downloaded":
                return value.isNumeric() || value == JsonToken.VALUE_NULL ? OK : INVALID_AMOUNT;
            case "offers":
                if (value == JsonToken.VALUE_NULL) return OK;
                if (value != JsonToken.START_ARRAY) return INVALID_OFFERS;
                return readOffers(p, r);
            case "answer":
                if (value == JsonToken.VALUE_NULL) return OK;
                if (value != JsonToken.START_OBJECT) return INVALID_ANSWER;
                r.answerStart = p.position() - 1; // the '{' just read
                p.skipChildren();
                r.answerEnd = p.position();       // just after its '}'
                r.hasAnswer = true;
                return OK;
            case "to_peer_id":
                if (value == JsonToken.VALUE_NULL) return OK;
                if (value != JsonToken.VALUE_STRING || !readId(p, r.toPeerId)) return INVALID_TO_PEER_ID;
                r.hasToPeerId = true;
                return OK;
            case "offer_id":
                if (value == JsonToken.VALUE_NULL) return OK;
                if (value != JsonToken.VALUE_STRING || !readId(p, r.answerOfferId)) return INVALID_OFFER_ID;
                r.hasAnswerOfferId = true;
                return OK;
            default:
                p.skipChildren(); // unknown field: any value, skipped (no-op for scalars)
                return OK;
        }
    }

    private int readInfoHash(FrameParser p, JsonToken value, WsRequest r) throws IOException {
        r.scrapeCount = 0;
        r.hasInfoHash = false;
        r.infoHashIsArray = false;
        if (value == JsonToken.VALUE_NULL) {
            r.fullScrape = true;
            return OK;
        }
        r.fullScrape = false;
        if (value == JsonToken.VALUE_STRING) {
            if (!readId(p, r.infoHash)) return INVALID_INFO_HASH;
            r.hasInfoHash = true;
            r.addScrapeHash(r.infoHash);
            return OK;
        }
        if (value != JsonToken.START_ARRAY) return INVALID_INFO_HASH;
        r.infoHashIsArray = true;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.VALUE_STRING) {
            if (!readId(p, id)) return INVALID_INFO_HASH;
            if (!r.addScrapeHash(id)) return TOO_MANY_INFO_HASHES;
        }
        return t == JsonToken.END_ARRAY ? OK : t == JsonToken.NOT_AVAILABLE ? MALFORMED_JSON : INVALID_INFO_HASH;
    }

    private static int readEvent(FrameParser p, JsonToken value, WsRequest r) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            r.event = WsRequest.EVENT_NONE;
            return OK;
        }
        if (value != JsonToken.VALUE_STRING) return INVALID_EVENT;
        if (textIs(p, STARTED)) r.event = WsRequest.EVENT_STARTED;
        else if (textIs(p, STOPPED)) r.event = WsRequest.EVENT_STOPPED;
        else if (textIs(p, COMPLETED)) r.event = WsRequest.EVENT_COMPLETED;
        else if (textIs(p, UPDATE)) r.event = WsRequest.EVENT_NONE;
        else return INVALID_EVENT;
        return OK;
    }

    private static int readNumwant(FrameParser p, JsonToken value, WsRequest r) throws IOException {
        if (value == JsonToken.VALUE_NULL) {
            r.numwant = -1;
            return OK;
        }
        if (value != JsonToken.VALUE_NUMBER_INT) return INVALID_NUMWANT;
        char[] text = p.getTextCharacters();
        int offset = p.getTextOffset();
        int end = offset + p.getTextLength();
        if (text[offset] == '-') return isZero(p) ? setNumwant(r, 0) : INVALID_NUMWANT;
        long n = 0;
        for (int i = offset; i < end && n <= Integer.MAX_VALUE; i++) n = n * 10 + (text[i] - '0');
        return setNumwant(r, (int) Math.min(n, Integer.MAX_VALUE)); // a huge wish is the largest one
    }

    private static int setNumwant(WsRequest r, int numwant) {
        r.numwant = numwant;
        return OK;
    }

    /**
     * Whether the current number token is zero, read from its text: no allocation, and no use of
     * jackson's lazily parsed number state (jackson-core 2.18 returns a previous token's
     * BigInteger from {@code getDoubleValue()} after {@code getNumberType()}; fixed by 2.20).
     */
    private static boolean isZero(FrameParser p) throws IOException {
        char[] text = p.getTextCharacters();
        int offset = p.getTextOffset();
        int end = offset + p.getTextLength();
        for (int i = offset; i < end; i++) {
            char c = text[i];
            if (c == 'e' || c == 'E') break; // 0e5 is zero whatever the exponent
            if (c >= '1' && c <= '9') return false;
        }
        return true;
    }

    /** The parser is just after the '[' of {@code offers}; returns with it on the ']'. */
    private int readOffers(FrameParser p, WsRequest r) throws IOException {
        r.offerCount = 0;
        JsonToken t;
        while ((t = p.nextToken()) == JsonToken.START_OBJECT) {
            int i = r.offerCount;
            if (i == r.maxOffers()) return TOO_MANY_OFFERS;
            boolean hasOffer = false;
            boolean hasOfferId = false;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                if (value == JsonToken.NOT_AVAILABLE) return MALFORMED_JSON;
                if ("offer".equals(name)) {
                    if (value != JsonToken.START_OBJECT) return INVALID_OFFER;
                    int start = p.position() - 1;
                    p.skipChildren();
                    r.setOffer(i, start, p.position());
                    hasOffer = true;
                } else if ("offer_id".equals(name)) {
                    if (value != JsonToken.VALUE_STRING || !readId(p, r.offerId(i))) return INVALID_OFFER_ID;
                    hasOfferId = true;
                } else {
                    p.skipChildren();
                }
            }
            if (t != JsonToken.END_OBJECT) return MALFORMED_JSON;
            if (!hasOffer) return INVALID_OFFER;
            if (!hasOfferId) return INVALID_OFFER_ID;
            r.offerCount = i + 1;
        }
        return t == JsonToken.END_ARRAY ? OK : t == JsonToken.NOT_AVAILABLE ? MALFORMED_JSON : INVALID_OFFERS;
    }

    private static int validate(WsRequest r) {
        switch (r.action) {
            case WsRequest.ACTION_ANNOUNCE:
                if (!r.hasInfoHash) return r.infoHashIsArray ? INVALID_INFO_HASH : MISSING_INFO_HASH;
                if (!r.hasPeerId) return MISSING_PEER_ID;
                if (r.hasAnswer) {
                    if (!r.hasToPeerId) return INVALID_TO_PEER_ID;
                    if (!r.hasAnswerOfferId) return INVALID_OFFER_ID;
                }
                return OK;
            case WsRequest.ACTION_SCRAPE:
                return OK;
            default:
                return MISSING_ACTION;
        }
    }

    private static boolean onlyWhitespace(byte[] frame, int from, int to) {
        for (int i = from; i < to; i++) {
            byte b = frame[i];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') return false;
        }
        return true;
    }

    /** The current string token as a 20-char binary string; false if it is not one. */
    private static boolean readId(FrameParser p, BinaryId into) throws IOException {
        return into.setFromChars(p.getTextCharacters(), p.getTextOffset(), p.getTextLength());
    }

    private static boolean textIs(FrameParser p, char[] expected) throws IOException {
        int length = p.getTextLength();
        if (length != expected.length) return false;
        char[] text = p.getTextCharacters();
        int offset = p.getTextOffset();
        for (int i = 0; i < length; i++) {
            if (text[offset + i] != expected[i]) return false;
        }
        return true;
    }
}
