package trackerd.ws.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static trackerd.ws.protocol.WsDecodeStatus.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Hand-written request frames: every way a field can be written (escapes, UTF-8, order, unknown
 * fields, null) and every way a frame can be wrong, each answered by a status, never a throw;
 * after each failure the same decoder must still decode a good frame.
 */
class WsRequestDecoderTest {
    static final int MAX_OFFERS = 3;

    final WsRequestDecoder decoder = new WsRequestDecoder(16 * 1024);
    final WsRequest request = new WsRequest(MAX_OFFERS, 4);

    /** 20 chars "AAAAAAAAAAAAAAAAAAAA"-style ids. */
    static String id(char c) {
        return "\"" + String.valueOf(c).repeat(20) + "\"";
    }

    static final String GOOD = "{\"action\":\"announce\",\"info_hash\":" + id('h') + ",\"peer_id\":" + id('p') + "}";

    int decode(String json) {
        return decode(json.getBytes(StandardCharsets.UTF_8));
    }

    int decode(byte[] bytes) {
        ByteBuf frame = Unpooled.wrappedBuffer(bytes);
        try {
            return decoder.decode(frame, request);
        } finally {
            frame.release();
        }
    }

    /** Decodes {@code json}, expects {@code status}, then checks the decoder still takes a good frame. */
    void expect(int status, String json) {
        assertEquals(WsDecodeStatus.name(status), WsDecodeStatus.name(decode(json)), json);
        assertEquals(OK, decode(GOOD), "good frame after " + json);
        assertEquals(BinaryId.of("hhhhhhhhhhhhhhhhhhhh".getBytes(StandardCharsets.US_ASCII)), request.infoHash);
    }

    @Test
    void shouldDecodeBinaryStringsWrittenAsEscapesAndUtf8() {
        // info_hash bytes 00 01 1f 20 22 5c 7f 80 c0 ff, then 41 x10; peer_id the same in upper-case escapes
        String escaped = "\\u0000\\u0001\\u001F \\\"\\\\\u007f\\u0080\u00c0\u00ff" + "A".repeat(10);
        String upper = "\\u0000\\u0001\\u001F\\u0020\\u0022\\u005C\\u007F\\u0080\\u00C0\\u00FF" + "\\u0041".repeat(10);
        assertEquals(OK, decode("{\"action\":\"announce\",\"info_hash\":\"" + escaped + "\",\"peer_id\":\"" + upper + "\"}"));
        BinaryId expected = BinaryId.of(HexFormat.of().parseHex("00011f20225c7f80c0ff" + "41".repeat(10)));
        assertEquals(expected, request.infoHash);
        assertEquals(expected, request.peerId);
    }

    @Test
    void shouldReadFieldsInAnyOrderAndSkipUnknownOnes() {
        assertEquals(OK, decode("{\"trackerid\":\"x\",\"extra\":{\"a\":[1,{\"b\":\"}\"}]},\"numwant\":7,\"left\":0,"
            + "\"event\":\"update\",\"uploaded\":1e3,\"downloaded\":null,\"peer_id\":" + id('p')
            + ",\"info_hash\":" + id('h') + ",\"action\":\"announce\",\"zzz\":[]}"));
        assertEquals(WsRequest.ACTION_ANNOUNCE, request.action);
        assertEquals(7, request.numwant);
        assertTrue(request.seeder);
        assertEquals(WsRequest.EVENT_NONE, request.event);
    }

    @Test
    void shouldTreatLeftNullAbsentOrNonZeroAsLeecher() {
        assertEquals(OK, decode(GOOD.replace("}", ",\"left\":null}")));
        assertFalse(request.seeder);
        assertEquals(OK, decode(GOOD));
        assertFalse(request.seeder);
        assertEquals(OK, decode(GOOD.replace("}", ",\"left\":12345678901234567890123}")));
        assertFalse(request.seeder);
        assertEquals(OK, decode(GOOD.replace("}", ",\"left\":0.0}")));
        assertTrue(request.seeder, "0.0 right after a BigInteger (jackson 2.18 would report the BigInteger)");
        assertEquals(OK, decode(GOOD.replace("}", ",\"left\":-0e7}")));
        assertTrue(request.seeder);
        assertEquals(OK, decode(GOOD.replace("}", ",\"left\":0.001}")));
        assertFalse(request.seeder);
    }

    @Test
    void shouldReadNumwantFromItsDigits() {
        assertEquals(OK, decode(GOOD.replace("}", ",\"numwant\":0}")));
        assertEquals(0, request.numwant);
        assertEquals(OK, decode(GOOD.replace("}", ",\"numwant\":2147483647}")));
        assertEquals(Integer.MAX_VALUE, request.numwant);
        assertEquals(OK, decode(GOOD.replace("}", ",\"numwant\":2147483648}")));
        assertEquals(Integer.MAX_VALUE, request.numwant);
        assertEquals(OK, decode(GOOD.replace("}", ",\"numwant\":1" + "9".repeat(2000) + ",\"x\":1" + "9".repeat(2000) + "}")));
        assertEquals(Integer.MAX_VALUE, request.numwant);
        assertEquals(OK, decode(GOOD.replace("}", ",\"numwant\":null}")));
        assertEquals(-1, request.numwant);
    }

    @Test
    void shouldRecordOfferRangesAndTolerateWhitespace() {
        String offer = "{\"type\":\"offer\",\"sdp\":\"a\\\"}b\"}";
        String json = " \r\n\t{ \"action\" : \"announce\" , \"info_hash\" : " + id('h') + " , \"peer_id\":" + id('p')
            + ", \"offers\" : [ { \"offer_id\" : " + id('o') + " , \"offer\" : " + offer + " } , {\"offer\":"
            + offer + ",\"offer_id\":" + id('q') + ",\"x\":1} ] }  \n";
        assertEquals(OK, decode(json));
        assertEquals(2, request.offerCount);
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 2; i++) {
            assertEquals(offer, new String(bytes, request.offerStart(i), request.offerEnd(i) - request.offerStart(i),
                StandardCharsets.UTF_8));
        }
        assertEquals('q', request.offerId(1).byteAt(19));
    }

    @Test
    void shouldGiveOffsetsFromTheReaderIndexForHeapAndDirectFrames() {
        String json = GOOD.replace("}", ",\"offers\":[{\"offer\":{\"sdp\":\"x\"},\"offer_id\":" + id('o') + "}]}");
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        int expectedStart = json.indexOf("{\"sdp\"");
        ByteBuf heap = Unpooled.buffer(bytes.length + 100).writeZero(37).writeBytes(bytes).writeZero(10);
        heap.readerIndex(37).writerIndex(37 + bytes.length);
        ByteBuf sliced = heap.slice(); // arrayOffset 37
        ByteBuf direct = Unpooled.directBuffer().writeZero(5).writeBytes(bytes);
        direct.readerIndex(5);
        for (ByteBuf frame : new ByteBuf[] {heap, sliced, direct}) {
            assertEquals(OK, decoder.decode(frame, request));
            assertEquals(expectedStart, request.offerStart(0));
            assertEquals(expectedStart + "{\"sdp\":\"x\"}".length(), request.offerEnd(0));
            assertEquals(37, heap.readerIndex(), "the reader index is left alone");
        }
        heap.release();
        direct.release();
    }

    @Test
    void shouldDecodeScrapeForms() {
        assertEquals(OK, decode("{\"action\":\"scrape\"}"));
        assertTrue(request.fullScrape);
        assertEquals(OK, decode("{\"action\":\"scrape\",\"info_hash\":null}"));
        assertTrue(request.fullScrape);
        assertEquals(OK, decode("{\"info_hash\":[],\"action\":\"scrape\"}"));
        assertFalse(request.fullScrape);
        assertEquals(0, request.scrapeCount);
        assertEquals(OK, decode("{\"action\":\"scrape\",\"info_hash\":[" + id('a') + "," + id('b') + "]}"));
        assertEquals(2, request.scrapeCount);
        assertEquals('b', request.scrapeHash(1, new BinaryId()).byteAt(0));
    }

    @Test
    void shouldRefuseWhatIsNotJson() {
        expect(MALFORMED_JSON, "");
        expect(MALFORMED_JSON, "   ");
        expect(MALFORMED_JSON, "{");
        expect(MALFORMED_JSON, "{\"action\":");
        expect(MALFORMED_JSON, "{\"action\":\"announce\"");
        expect(MALFORMED_JSON, GOOD.substring(0, GOOD.length() - 1));
        expect(MALFORMED_JSON, "{'action':'announce'}");
        expect(MALFORMED_JSON, "{\"action\":\"announce\",}");
        expect(MALFORMED_JSON, "{\"a\":tru}");
        expect(MALFORMED_JSON, "{\"a\":01}");
        expect(MALFORMED_JSON, "{\"a\":\"\\x\"}");
        expect(MALFORMED_JSON, "{\"a\":\"" + "\u0001" + "\"}"); // raw control char in a string
        expect(MALFORMED_JSON, "{\"a\":" + "[".repeat(100) + "]".repeat(100) + "}"); // deeper than 32
        expect(MALFORMED_JSON, "GET / HTTP/1.1\r\n\r\n");
        expect(NOT_AN_OBJECT, "[]");
        expect(NOT_AN_OBJECT, "\"announce\"");
        expect(MALFORMED_JSON, "null"); // as a root number: a streaming parser waits for the byte after it
        expect(MALFORMED_JSON, "12"); // a root number never ends inside the frame
        expect(TRAILING_DATA, GOOD + GOOD);
        expect(TRAILING_DATA, GOOD + " x");
        expect(TRAILING_DATA, GOOD + "1");
    }

    @Test
    void shouldRefuseInvalidUtf8() {
        byte[] bytes = GOOD.getBytes(StandardCharsets.UTF_8);
        bytes[GOOD.indexOf("hhh")] = (byte) 0xff; // never valid in UTF-8
        assertEquals(MALFORMED_JSON, decode(bytes));
        bytes[GOOD.indexOf("hhh")] = (byte) 0xc3; // a lead byte followed by ASCII
        assertEquals(MALFORMED_JSON, decode(bytes));
        assertEquals(OK, decode(GOOD));
    }

    @Test
    void shouldRefuseWrongFields() {
        expect(MISSING_ACTION, "{}");
        expect(MISSING_ACTION, "{\"info_hash\":" + id('h') + "}");
        expect(UNKNOWN_ACTION, "{\"action\":\"stats\"}");
        expect(UNKNOWN_ACTION, "{\"action\":1}");
        expect(UNKNOWN_ACTION, "{\"action\":\"Announce\"}");
        expect(MISSING_INFO_HASH, "{\"action\":\"announce\",\"peer_id\":" + id('p') + "}");
        expect(INVALID_INFO_HASH, GOOD.replace(id('h'), "\"" + "h".repeat(19) + "\""));
        expect(INVALID_INFO_HASH, GOOD.replace(id('h'), "\"" + "h".repeat(21) + "\""));
        expect(INVALID_INFO_HASH, GOOD.replace(id('h'), "\"" + "h".repeat(19) + "\u0100\""));  // char > 0xFF
        expect(INVALID_INFO_HASH, GOOD.replace(id('h'), "\"" + "h".repeat(19) + "\\u20ac\"")); // € escaped
        expect(INVALID_INFO_HASH, GOOD.replace(id('h'), "\"" + "h".repeat(19) + "\u20ac\""));  // € 3-byte UTF-8
        expect(INVALID_INFO_HASH, GOOD.replace(id('h'), "\"" + "h".repeat(18) + "\uD83D\uDE00\"")); // 4-byte: 2 chars
        expect(INVALID_INFO_HASH, GOOD.replace(id('h'), "12"));
        expect(INVALID_INFO_HASH, GOOD.replace(id('h'), "[" + id('h') + "]")); // an array is for scrape only
        expect(INVALID_INFO_HASH, "{\"action\":\"scrape\",\"info_hash\":[" + id('h') + ",1]}");
        expect(INVALID_INFO_HASH, "{\"action\":\"scrape\",\"info_hash\":{}}");
        expect(TOO_MANY_INFO_HASHES, "{\"action\":\"scrape\",\"info_hash\":[" + (id('h') + ",").repeat(4) + id('h') + "]}");
        expect(MISSING_PEER_ID, "{\"action\":\"announce\",\"info_hash\":" + id('h') + "}");
        expect(INVALID_PEER_ID, GOOD.replace(id('p'), "null"));
        expect(INVALID_PEER_ID, GOOD.replace(id('p'), "\"p\""));
        expect(INVALID_EVENT, GOOD.replace("}", ",\"event\":\"paused\"}"));
        expect(INVALID_EVENT, GOOD.replace("}", ",\"event\":2}"));
        expect(INVALID_NUMWANT, GOOD.replace("}", ",\"numwant\":-1}"));
        expect(INVALID_NUMWANT, GOOD.replace("}", ",\"numwant\":-99999999999}"));
        expect(INVALID_NUMWANT, GOOD.replace("}", ",\"numwant\":1.5}"));
        expect(INVALID_NUMWANT, GOOD.replace("}", ",\"numwant\":\"5\"}"));
        expect(INVALID_AMOUNT, GOOD.replace("}", ",\"left\":\"0\"}"));
        expect(INVALID_AMOUNT, GOOD.replace("}", ",\"uploaded\":[]}"));
        expect(INVALID_AMOUNT, GOOD.replace("}", ",\"downloaded\":true}"));
        expect(INVALID_OFFERS, GOOD.replace("}", ",\"offers\":{}}"));
        expect(INVALID_OFFERS, GOOD.replace("}", ",\"offers\":[1]}"));
        expect(INVALID_OFFER, GOOD.replace("}", ",\"offers\":[{\"offer_id\":" + id('o') + "}]}"));
        expect(INVALID_OFFER, GOOD.replace("}", ",\"offers\":[{\"offer\":\"sdp\",\"offer_id\":" + id('o') + "}]}"));
        expect(INVALID_OFFER_ID, GOOD.replace("}", ",\"offers\":[{\"offer\":{}}]}"));
        expect(INVALID_OFFER_ID, GOOD.replace("}", ",\"offers\":[{\"offer\":{},\"offer_id\":\"short\"}]}"));
        expect(INVALID_ANSWER, GOOD.replace("}", ",\"answer\":\"sdp\"}"));
        expect(INVALID_TO_PEER_ID, GOOD.replace("}", ",\"answer\":{},\"offer_id\":" + id('o') + "}"));
        expect(INVALID_TO_PEER_ID, GOOD.replace("}", ",\"answer\":{},\"to_peer_id\":7,\"offer_id\":" + id('o') + "}"));
        expect(INVALID_OFFER_ID, GOOD.replace("}", ",\"answer\":{},\"to_peer_id\":" + id('t') + "}"));
    }

    @Test
    void shouldRefuseMoreOffersThanTheCap() {
        String offer = "{\"offer\":{\"sdp\":\"x\"},\"offer_id\":" + id('o') + "}";
        String three = GOOD.replace("}", ",\"offers\":[" + offer + "," + offer + "," + offer + "]}");
        assertEquals(OK, decode(three));
        assertEquals(MAX_OFFERS, request.offerCount);
        expect(TOO_MANY_OFFERS, three.replace("]}", "," + offer + "]}"));
        assertEquals(0, decoder.parserRenewals(), "well-formed but refused: the parser is kept");
    }

    @Test
    void shouldRefuseFramesLargerThanTheLimit() {
        WsRequestDecoder small = new WsRequestDecoder(GOOD.length());
        ByteBuf fits = Unpooled.copiedBuffer(GOOD, StandardCharsets.UTF_8);
        ByteBuf tooLarge = Unpooled.copiedBuffer(GOOD + " ", StandardCharsets.UTF_8);
        assertEquals(OK, small.decode(fits, request));
        assertEquals(FRAME_TOO_LARGE, small.decode(tooLarge, request));
        assertEquals(FRAME_TOO_LARGE, small.decode(tooLarge.array(), 0, tooLarge.readableBytes(), request));
        fits.release();
        tooLarge.release();
    }

    @Test
    void shouldTakeHugeValuesWithinTheFrameLimit() {
        WsRequestDecoder large = new WsRequestDecoder(1 << 20);
        String sdp = "{\"type\":\"offer\",\"sdp\":\"" + "a=x\\r\\n\u00e9".repeat(100_000) + "\"}"; // 800 KB
        String json = GOOD.replace("}", ",\"unknown\":\"" + "u".repeat(100_000) + "\",\"offers\":[{\"offer\":" + sdp
            + ",\"offer_id\":" + id('o') + "}]}");
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        assertTrue(bytes.length < 1 << 20);
        ByteBuf direct = Unpooled.directBuffer(bytes.length).writeBytes(bytes);
        assertEquals(OK, large.decode(direct, request));
        assertEquals(sdp, direct.toString(request.offerStart(0), request.offerEnd(0) - request.offerStart(0),
            StandardCharsets.UTF_8));
        ByteBuf tooLarge = Unpooled.directBuffer().writeBytes(bytes).writeBytes(bytes);
        assertEquals(FRAME_TOO_LARGE, large.decode(tooLarge, request));
        direct.release();
        tooLarge.release();
    }

    @Test
    void shouldKeepWhatWasReadBeforeAFailureForTheReply() {
        assertEquals(INVALID_PEER_ID, decode("{\"action\":\"announce\",\"info_hash\":" + id('h') + ",\"peer_id\":1}"));
        assertEquals(WsRequest.ACTION_ANNOUNCE, request.action);
        assertTrue(request.hasInfoHash);
        assertEquals('h', request.infoHash.byteAt(0));
    }

    @Test
    void everyPrefixOfAFrameShouldFailWithoutThrowing() {
        String full = "{\"numwant\":2,\"event\":\"started\",\"action\":\"announce\",\"info_hash\":\"\\u0000\u00e9"
            + "h".repeat(18) + "\",\"peer_id\":" + id('p') + ",\"offers\":[{\"offer\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"},"
            + "\"offer_id\":" + id('o') + "}]}";
        byte[] bytes = full.getBytes(StandardCharsets.UTF_8);
        for (int length = 0; length < bytes.length; length++) {
            byte[] prefix = java.util.Arrays.copyOf(bytes, length);
            assertNotEquals(OK, decode(prefix), "prefix of " + length);
            assertEquals(OK, decode(bytes), "full frame after a prefix of " + length);
            assertEquals(1, request.offerCount);
        }
    }

    @Test
    void manyUnknownFieldNamesShouldRenewTheParserNotGrowIt() {
        for (int i = 0; i < 10 * WsRequestDecoder.MAX_NEW_FIELD_NAMES; i++) {
            assertEquals(OK, decode(GOOD.replace("}", ",\"unknown" + i + "\":1}")));
        }
        long renewals = decoder.parserRenewals();
        assertTrue(renewals >= 9 && renewals <= 10, "renewed " + renewals + " times");
    }
}
