package trackerd.ws.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.netty.buffer.ByteBuf;
import java.io.IOException;

/**
 * Writes the tracker's WebTorrent messages as JSON text into a caller's ByteBuf, with one
 * jackson {@link JsonGenerator} made per encoder and reused for every message (each message is
 * one root value; no separator is written between them), so a message allocates nothing.
 *
 * <p>Binary strings ({@code info_hash}, {@code peer_id}, {@code offer_id}) go out as chars
 * 0-255 the way {@code JSON.stringify} writes what the JS client sent: control chars escaped
 * ({@code \n}-style or {@code &#92;u00xx}, lower-case hex as JavaScript), {@code "} and {@code \},
 * 0x80-0xFF as two-byte UTF-8. Opaque SDP values ({@code offer}, {@code answer}) are the bytes
 * the offerer or answerer sent, spliced in verbatim: the generator is flushed up to the key,
 * the bytes are copied, and the generator closes the object.
 *
 * <p>Shapes (keys in this order):
 * <pre>
 * announce reply  {"action":"announce","interval":N,"info_hash":H,"complete":N,"incomplete":N}
 * offer relay     {"action":"announce","info_hash":H,"peer_id":P,"offer_id":O,"offer":{raw}}
 * answer relay    {"action":"announce","info_hash":H,"peer_id":P,"offer_id":O,"answer":{raw}}
 * scrape reply    {"action":"scrape","files":{H:{"complete":N,"downloaded":N,"incomplete":N},...}}
 * failure         {"failure reason":"...","action":"announce"|"scrape","info_hash":H}
 * </pre>
 * where {@code complete} counts seeders, {@code incomplete} leechers and {@code downloaded}
 * completed downloads; a failure's action and info hash are left out when unknown (the JS client
 * ignores an announce failure without its {@code info_hash}).
 *
 * <p>Each method appends to {@code out} and returns the number of bytes written. Exceptions come
 * only from the ByteBuf (past its max capacity); the generator is then replaced.
 *
 * <p><b>Threading.</b> Not thread-safe: one encoder per event loop.
 */
public final class WsResponseEncoder {
    static final SerializedString ACTION = key("action");
    static final SerializedString ANNOUNCE = key("announce");
    static final SerializedString SCRAPE = key("scrape");
    static final SerializedString INTERVAL = key("interval");
    static final SerializedString INFO_HASH = key("info_hash");
    static final SerializedString PEER_ID = key("peer_id");
    static final SerializedString OFFER_ID = key("offer_id");
    static final SerializedString OFFER = key("offer");
    static final SerializedString ANSWER = key("answer");
    static final SerializedString COMPLETE = key("complete");
    static final SerializedString INCOMPLETE = key("incomplete");
    static final SerializedString DOWNLOADED = key("downloaded");
    static final SerializedString FILES = key("files");
    static final SerializedString FAILURE_REASON = key("failure reason");

    /**
     * Past this many buffered bytes a scrape reply flushes before the next key, so the key always
     * fits the generator's 8000-byte buffer and never takes {@link BinaryName}'s allocating path.
     */
    private static final int FLUSH_BEFORE_KEY_AT = 4000;

    private final JsonFactory factory = new JsonFactoryBuilder()
        .rootValueSeparator((String) null)              // messages back to back, nothing between
        .disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE) // lower-case hex escapes, as JSON.stringify
        .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
        .build();
    private final ByteBufSink sink = new ByteBufSink();
    private final char[] chars = new char[BinaryId.LENGTH];
    private final BinaryName name = new BinaryName();
    private JsonGenerator generator;

    public WsResponseEncoder() {
        generator = newGenerator();
    }

    /** The reply to an announce (not to one that carries an answer: the JS client expects none). */
    public int announceReply(ByteBuf out, BinaryId infoHash, int intervalSeconds, int complete, int incomplete) {
        int start = begin(out);
        try {
            JsonGenerator g = generator;
            g.writeStartObject();
            g.writeFieldName(ACTION);
            g.writeString(ANNOUNCE);
            g.writeFieldName(INTERVAL);
            g.writeNumber(intervalSeconds);
            g.writeFieldName(INFO_HASH);
            writeId(g, infoHash);
            g.writeFieldName(COMPLETE);
            g.writeNumber(complete);
            g.writeFieldName(INCOMPLETE);
            g.writeNumber(incomplete);
            g.writeEndObject();
            g.flush();
        } catch (IOException | RuntimeException e) {
            throw broken(e);
        }
        return out.writerIndex() - start;
    }

    /**
     * An offer relayed to one peer of the swarm: {@code sdpLength} bytes of {@code sdp} at
     * {@code sdpIndex} are the offer object exactly as the offerer sent it.
     */
    public int offer(ByteBuf out, BinaryId infoHash, BinaryId offererPeerId, BinaryId offerId,
                     ByteBuf sdp, int sdpIndex, int sdpLength) {
        return relay(out, infoHash, offererPeerId, offerId, OFFER, sdp, sdpIndex, sdpLength);
    }

    /** An answer relayed to the offerer ({@code to_peer_id}); the SDP bytes as for {@link #offer}. */
    public int answer(ByteBuf out, BinaryId infoHash, BinaryId answererPeerId, BinaryId offerId,
                      ByteBuf sdp, int sdpIndex, int sdpLength) {
        return relay(out, infoHash, answererPeerId, offerId, ANSWER, sdp, sdpIndex, sdpLength);
    }

    private int relay(ByteBuf out, BinaryId infoHash, BinaryId peerId, BinaryId offerId, SerializableString kind,
                      ByteBuf sdp, int sdpIndex, int sdpLength) {
        int start = begin(out);
        try {
            JsonGenerator g = generator;
            g.writeStartObject();
            g.writeFieldName(ACTION);
            g.writeString(ANNOUNCE);
            g.writeFieldName(INFO_HASH);
            writeId(g, infoHash);
            g.writeFieldName(PEER_ID);
            writeId(g, peerId);
            g.writeFieldName(OFFER_ID);
            writeId(g, offerId);
            g.writeFieldName(kind);
            g.writeRawValue("");   // tells the generator a value is here; its bytes come next
            g.flush();             // everything so far into out, so the splice lands in order
            out.writeBytes(sdp, sdpIndex, sdpLength);
            g.writeEndObject();
            g.flush();
        } catch (IOException | RuntimeException e) {
            throw broken(e);
        }
        return out.writerIndex() - start;
    }

    /**
     * A scrape reply for {@code count} torrents: hash {@code i} is {@code hashWords[3i..3i+2]}
     * (as {@link WsRequest#scrapeHashWords()} and RequestSlot keep them), its counts
     * {@code results[3i..3i+2]} = seeders, completed, leechers (RequestSlot's scrape results).
     */
    public int scrapeReply(ByteBuf out, long[] hashWords, int[] results, int count) {
        int start = begin(out);
        try {
            JsonGenerator g = generator;
            g.writeStartObject();
            g.writeFieldName(ACTION);
            g.writeString(SCRAPE);
            g.writeFieldName(FILES);
            g.writeStartObject();
            for (int i = 0; i < count; i++) {
                if (g.getOutputBuffered() > FLUSH_BEFORE_KEY_AT) g.flush();
                name.id.set(hashWords[3 * i], hashWords[3 * i + 1], (int) hashWords[3 * i + 2]);
                g.writeFieldName(name);
                g.writeStartObject();
                g.writeFieldName(COMPLETE);
                g.writeNumber(results[3 * i]);
                g.writeFieldName(DOWNLOADED);
                g.writeNumber(results[3 * i + 1]);
                g.writeFieldName(INCOMPLETE);
                g.writeNumber(results[3 * i + 2]);
                g.writeEndObject();
            }
            g.writeEndObject();
            g.writeEndObject();
            g.flush();
        } catch (IOException | RuntimeException e) {
            throw broken(e);
        }
        return out.writerIndex() - start;
    }

    /**
     * A failure for a request the decoder refused ({@link WsDecodeStatus}); {@code action} is a
     * {@link WsRequest} action ({@code ACTION_NONE}: left out), {@code infoHash} may be null.
     */
    public int failure(ByteBuf out, int decodeStatus, int action, BinaryId infoHash) {
        return failure(out, WsDecodeStatus.encodedReason(decodeStatus), action, infoHash);
    }

    /** A failure with the caller's reason (e.g. a busy or full tracker); make it once, as a SerializedString. */
    public int failure(ByteBuf out, SerializableString reason, int action, BinaryId infoHash) {
        int start = begin(out);
        try {
            JsonGenerator g = generator;
            g.writeStartObject();
            g.writeFieldName(FAILURE_REASON);
            g.writeString(reason);
            if (action == WsRequest.ACTION_ANNOUNCE || action == WsRequest.ACTION_SCRAPE) {
                g.writeFieldName(ACTION);
                g.writeString(action == WsRequest.ACTION_ANNOUNCE ? ANNOUNCE : SCRAPE);
            }
            if (infoHash != null) {
                g.writeFieldName(INFO_HASH);
                writeId(g, infoHash);
            }
            g.writeEndObject();
            g.flush();
        } catch (IOException | RuntimeException e) {
            throw broken(e);
        }
        return out.writerIndex() - start;
    }

    private void writeId(JsonGenerator g, BinaryId id) throws IOException {
        id.toChars(chars);
        g.writeString(chars, 0, BinaryId.LENGTH);
    }

    private int begin(ByteBuf out) {
        sink.target = out;
        return out.writerIndex();
    }

    /** A message failed half-way: the generator's state is unknown, so start a new one. */
    private IllegalStateException broken(Exception e) {
        try {
            generator.close();
        } catch (IOException | RuntimeException ignored) {
            // dropped either way
        }
        generator = newGenerator();
        return new IllegalStateException("WebTorrent message could not be written", e);
    }

    private JsonGenerator newGenerator() {
        try {
            return factory.createGenerator(sink);
        } catch (IOException e) {
            throw new IllegalStateException(e); // an OutputStream target does no IO to start
        }
    }

    private static SerializedString key(String text) {
        SerializedString s = new SerializedString(text);
        s.asQuotedUTF8(); // encoded once here, not on first use in an event loop
        return s;
    }
}
