package trackerd.ws.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Golden JSON for every message the tracker sends. Binary strings must come out as
 * {@code JSON.stringify} writes them (node 20 prints
 * {@code "&#92;u0000\b\t\n\f\r&#92;u001f\"\\/(7f)éÿA"} for the chars 00 08 09 0a 0c 0d
 * 1f 22 5c 2f 7f 80 e9 ff 41), because the JS client compares {@code info_hash} and
 * {@code peer_id} as strings after {@code JSON.parse}, and we check bytes, not just meaning.
 */
class WsResponseEncoderTest {
    /**
     * Bytes: 00 (&#92;u0000), 08 (\b), 09 (\t), 0a (\n), 0c (\f), 0d (\r), 1f (&#92;u001f), 22 (\"),
     * 5c (\\), 2f (/ as is), 7f (DEL as is), 80 (c2 80), e9 (c3 a9), ff (c3 bf), then ABCDEF.
     */
    static final BinaryId INFO_HASH = BinaryId.of(HexFormat.of().parseHex("0008090a0c0d1f225c2f7f80e9ff414243444546"));
    /** JSON text of INFO_HASH, quoted; non-ASCII chars stand for their 2-byte UTF-8 form. */
    static final String INFO_HASH_JSON = "\"\\u0000\\b\\t\\n\\f\\r\\u001f\\\"\\\\/\u007f\u0080\u00e9\u00ffABCDEF\"";
    /** "-WW0105-" then 12 ASCII chars: a peer id as webtorrent makes them. */
    static final BinaryId PEER_ID = BinaryId.of("-WW0105-abcdefghijkl".getBytes(StandardCharsets.US_ASCII));
    /** Bytes 0xec..0xff: all two-byte UTF-8 (c3 ac .. c3 bf). */
    static final BinaryId OFFER_ID = WsClientFramesTest.run(0xec);
    static final String OFFER_ID_JSON = "\"\u00ec\u00ed\u00ee\u00ef\u00f0\u00f1\u00f2\u00f3\u00f4\u00f5\u00f6\u00f7\u00f8\u00f9\u00fa\u00fb\u00fc\u00fd\u00fe\u00ff\"";

    final WsResponseEncoder encoder = new WsResponseEncoder();
    final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;

    static String text(ByteBuf buf) {
        try {
            return buf.toString(StandardCharsets.UTF_8);
        } finally {
            buf.release();
        }
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void announceReplyShouldMatchGoldenBytes() {
        ByteBuf out = alloc.buffer();
        int written = encoder.announceReply(out, INFO_HASH, 120, 3, 7);
        String expected = "{\"action\":\"announce\","  // reply to an announce
            + "\"interval\":120,"                       // seconds until the next announce
            + "\"info_hash\":" + INFO_HASH_JSON + ","   // which torrent (the client drops replies for others)
            + "\"complete\":3,"                         // seeders
            + "\"incomplete\":7}";                      // leechers
        assertEquals(utf8(expected).length, written);
        assertEquals(ByteBufUtil.hexDump(utf8(expected)), ByteBufUtil.hexDump(out));
        // and byte by byte where it matters: DEL raw, 0x80 0xe9 0xff as c2 80, c3 a9, c3 bf
        assertEquals(true, ByteBufUtil.hexDump(out).contains("5c5c2f7fc280c3a9c3bf414243444546"));
        out.release();
    }

    @Test
    void offerRelayShouldSpliceTheSdpBytesVerbatim() {
        // nested objects, escapes (\r\n, \", \\, \u00e9 as an escape and é raw), whitespace as sent
        String sdp = "{ \"type\" : \"offer\", \"sdp\":\"v=0\\r\\na=x \\\"q\\\" \\\\ \\u00e9 \u00e9\", \"x\":{\"y\":[1,{\"z\":null}]} }";
        ByteBuf frame = Unpooled.wrappedBuffer(utf8("....." + sdp + "....."));
        ByteBuf out = alloc.buffer();
        encoder.offer(out, INFO_HASH, PEER_ID, OFFER_ID, frame, 5, utf8(sdp).length);
        String expected = "{\"action\":\"announce\","
            + "\"info_hash\":" + INFO_HASH_JSON + ","
            + "\"peer_id\":\"-WW0105-abcdefghijkl\","  // the offerer
            + "\"offer_id\":" + OFFER_ID_JSON + ","     // the offerer's id for this offer
            + "\"offer\":" + sdp + "}";                 // byte for byte as received
        assertEquals(ByteBufUtil.hexDump(utf8(expected)), ByteBufUtil.hexDump(out));
        out.release();
        frame.release();
    }

    @Test
    void answerRelayShouldCarryTheAnswerersPeerId() {
        String sdp = "{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\"}";
        ByteBuf frame = Unpooled.wrappedBuffer(utf8(sdp));
        assertEquals("{\"action\":\"announce\",\"info_hash\":" + INFO_HASH_JSON
                + ",\"peer_id\":\"-WW0105-abcdefghijkl\",\"offer_id\":" + OFFER_ID_JSON + ",\"answer\":" + sdp + "}",
            text(encode(out -> encoder.answer(out, INFO_HASH, PEER_ID, OFFER_ID, frame, 0, frame.readableBytes()))));
        frame.release();
    }

    @Test
    void scrapeReplyShouldKeyFilesByBinaryInfoHash() {
        long[] hashes = {INFO_HASH.w0, INFO_HASH.w1, INFO_HASH.w2, OFFER_ID.w0, OFFER_ID.w1, OFFER_ID.w2};
        int[] results = {1, 2, 3, 40, 50, 60}; // per hash: seeders, completed, leechers
        assertEquals("{\"action\":\"scrape\",\"files\":{"
                + INFO_HASH_JSON + ":{\"complete\":1,\"downloaded\":2,\"incomplete\":3},"
                + OFFER_ID_JSON + ":{\"complete\":40,\"downloaded\":50,\"incomplete\":60}}}",
            text(encode(out -> encoder.scrapeReply(out, hashes, results, 2))));
        assertEquals("{\"action\":\"scrape\",\"files\":{}}", text(encode(out -> encoder.scrapeReply(out, hashes, results, 0))));
    }

    @Test
    void failuresShouldNameReasonActionAndInfoHashWhenKnown() {
        assertEquals("{\"failure reason\":\"invalid peer_id\",\"action\":\"announce\",\"info_hash\":" + INFO_HASH_JSON + "}",
            text(encode(out -> encoder.failure(out, WsDecodeStatus.INVALID_PEER_ID, WsRequest.ACTION_ANNOUNCE, INFO_HASH))));
        assertEquals("{\"failure reason\":\"invalid JSON\"}",
            text(encode(out -> encoder.failure(out, WsDecodeStatus.MALFORMED_JSON, WsRequest.ACTION_NONE, null))));
        assertEquals("{\"failure reason\":\"tracker busy, \\\"retry\\\"\",\"action\":\"scrape\"}",
            text(encode(out -> encoder.failure(out, new SerializedString("tracker busy, \"retry\""), WsRequest.ACTION_SCRAPE, null))));
    }

    @Test
    void messagesShouldFollowEachOtherWithNothingBetween() {
        ByteBuf out = alloc.buffer();
        encoder.announceReply(out, PEER_ID, 1, 0, 0);
        int first = out.readableBytes();
        encoder.announceReply(out, PEER_ID, 1, 0, 0);
        assertEquals(2 * first, out.readableBytes());
        assertEquals('{', out.getByte(first)); // no root separator
        out.release();
    }

    @Test
    void largeScrapeRepliesShouldStayExact() {
        int count = 2000; // far past the generator's 8000-byte buffer
        long[] hashes = new long[3 * count];
        int[] results = new int[3 * count];
        StringBuilder expected = new StringBuilder("{\"action\":\"scrape\",\"files\":{");
        for (int i = 0; i < count; i++) {
            BinaryId id = WsClientFramesTest.run(i);
            hashes[3 * i] = id.w0;
            hashes[3 * i + 1] = id.w1;
            hashes[3 * i + 2] = id.w2;
            results[3 * i] = i;
            if (i > 0) expected.append(',');
            expected.append(jacksonString(id)).append(":{\"complete\":").append(i)
                .append(",\"downloaded\":0,\"incomplete\":0}");
        }
        expected.append("}}");
        assertEquals(expected.toString(), text(encode(out -> encoder.scrapeReply(out, hashes, results, count))));
    }

    /** BinaryName escapes keys itself: it must agree with jackson's writeString for every byte. */
    @Test
    void binaryKeysShouldBeEscapedExactlyAsJacksonEscapesValues() {
        for (int b = 0; b < 256; b++) {
            byte[] bytes = new byte[20];
            java.util.Arrays.fill(bytes, (byte) b);
            bytes[0] = 'k';
            BinaryName name = new BinaryName();
            name.id.set(BinaryId.of(bytes));
            byte[] buffer = new byte[BinaryName.MAX_ESCAPED_LENGTH];
            int length = name.appendQuotedUTF8(buffer, 0);
            String ours = "\"" + new String(buffer, 0, length, StandardCharsets.UTF_8) + "\"";
            assertEquals(jacksonString(name.id), ours, "byte " + b);
            assertEquals(-1, name.appendQuotedUTF8(new byte[length - 1], 0), "no room: -1, not a partial write");
        }
    }

    /** What jackson's own generator writes for the id's 20 chars, configured as the encoder is. */
    static String jacksonString(BinaryId id) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            JsonFactory factory = JsonFactory.builder().disable(JsonWriteFeature.WRITE_HEX_UPPER_CASE).build();
            try (JsonGenerator g = factory.createGenerator(bytes)) {
                char[] chars = new char[20];
                id.toChars(chars);
                g.writeString(chars, 0, 20);
            }
            return bytes.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    interface Encoding {
        void into(ByteBuf out);
    }

    ByteBuf encode(Encoding encoding) {
        ByteBuf out = alloc.buffer();
        encoding.into(out);
        return out;
    }
}
