package trackerd.ws.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded, bounded property tests: random bytes and mutated frames never throw and never leave
 * the decoder unable to read the next good frame; random valid announces (random ids over all
 * 256 byte values, field order, unknown fields, SDP values) decode to what was written, and
 * their offers relayed by the encoder parse back, with the SDP bytes unchanged.
 */
@Timeout(60)
class WsCodecPropertyTest {
    static final long SEED = 0x5eed_3b7cL;
    static final JsonFactory PLAIN = new JsonFactory();

    final WsRequestDecoder decoder = new WsRequestDecoder(64 * 1024);
    final WsRequest request = new WsRequest(10, 20);
    final WsResponseEncoder encoder = new WsResponseEncoder();

    static final byte[] GOOD = ("{\"action\":\"announce\",\"info_hash\":\"" + "h".repeat(20) + "\",\"peer_id\":\""
        + "p".repeat(20) + "\",\"offers\":[{\"offer\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"},\"offer_id\":\""
        + "o".repeat(20) + "\"}]}").getBytes(StandardCharsets.UTF_8);

    int decode(byte[] bytes) {
        ByteBuf frame = Unpooled.wrappedBuffer(bytes);
        try {
            return decoder.decode(frame, request);
        } finally {
            frame.release();
        }
    }

    void goodFrameStillDecodes() {
        assertEquals(WsDecodeStatus.OK, decode(GOOD));
        assertEquals(1, request.offerCount);
        assertEquals('o', request.offerId(0).byteAt(0));
    }

    @Test
    void randomBytesShouldNeverThrow() {
        Random random = new Random(SEED);
        for (int i = 0; i < 5000; i++) {
            byte[] bytes = new byte[random.nextInt(200)];
            random.nextBytes(bytes);
            if (bytes.length > 0 && random.nextBoolean()) bytes[0] = '{';
            int status = decode(bytes);
            assertTrue(status >= 0 && status < WsDecodeStatus.COUNT);
            goodFrameStillDecodes();
        }
    }

    @Test
    void mutatedFramesShouldNeverThrow() {
        Random random = new Random(SEED + 1);
        byte[] specials = "{}[]\":,\\0 -e.nulltrue".getBytes(StandardCharsets.US_ASCII);
        int ok = 0;
        for (int i = 0; i < 20000; i++) {
            byte[] bytes = GOOD.clone();
            int edits = 1 + random.nextInt(3);
            for (int e = 0; e < edits; e++) {
                int at = random.nextInt(bytes.length);
                bytes[at] = random.nextBoolean() ? specials[random.nextInt(specials.length)] : (byte) random.nextInt(256);
            }
            int cut = random.nextInt(8) == 0 ? random.nextInt(bytes.length) : bytes.length;
            int status = decode(java.util.Arrays.copyOf(bytes, cut));
            assertTrue(status >= 0 && status < WsDecodeStatus.COUNT);
            if (status == WsDecodeStatus.OK) ok++;
            goodFrameStillDecodes();
        }
        assertTrue(ok > 0 && ok < 20000, "some mutations are harmless (in an SDP or id), most are not: " + ok);
    }

    @Test
    void randomValidAnnouncesShouldRoundTrip() throws IOException {
        Random random = new Random(SEED + 2);
        for (int round = 0; round < 2000; round++) {
            BinaryId infoHash = randomId(random);
            BinaryId peerId = randomId(random);
            int offers = random.nextInt(11);
            BinaryId[] offerIds = new BinaryId[offers];
            String[] sdps = new String[offers];
            for (int i = 0; i < offers; i++) {
                offerIds[i] = randomId(random);
                sdps[i] = randomSdp(random);
            }
            int event = random.nextInt(4);
            int numwant = random.nextInt(100);
            boolean seeder = random.nextBoolean();
            byte[] frame = announce(random, infoHash, peerId, event, numwant, seeder, offerIds, sdps);

            assertEquals(WsDecodeStatus.OK, decode(frame), () -> new String(frame, StandardCharsets.UTF_8));
            assertEquals(WsRequest.ACTION_ANNOUNCE, request.action);
            assertEquals(infoHash, request.infoHash);
            assertEquals(peerId, request.peerId);
            assertEquals(new int[] {WsRequest.EVENT_NONE, WsRequest.EVENT_STARTED, WsRequest.EVENT_STOPPED,
                WsRequest.EVENT_COMPLETED}[event], request.event);
            assertEquals(numwant, request.numwant);
            assertEquals(seeder, request.seeder);
            assertEquals(offers, request.offerCount);
            for (int i = 0; i < offers; i++) {
                assertEquals(offerIds[i], request.offerId(i));
                assertEquals(sdps[i], new String(frame, request.offerStart(i), request.offerEnd(i) - request.offerStart(i),
                    StandardCharsets.UTF_8));
            }
            if (offers > 0) {
                // relay one offer, read it back with a plain jackson parser
                int i = random.nextInt(offers);
                ByteBuf in = Unpooled.wrappedBuffer(frame);
                ByteBuf out = PooledByteBufAllocator.DEFAULT.buffer();
                encoder.offer(out, request.infoHash, request.peerId, request.offerId(i), in,
                    request.offerStart(i), request.offerEnd(i) - request.offerStart(i));
                byte[] relay = new byte[out.readableBytes()];
                out.readBytes(relay);
                out.release();
                in.release();
                assertRelay(relay, infoHash, peerId, offerIds[i], sdps[i]);
            }
        }
    }

    static void assertRelay(byte[] relay, BinaryId infoHash, BinaryId peerId, BinaryId offerId, String sdp) throws IOException {
        try (JsonParser p = PLAIN.createParser(relay)) {
            assertEquals(JsonToken.START_OBJECT, p.nextToken());
            List<String> keys = new ArrayList<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                keys.add(key);
                JsonToken value = p.nextToken();
                switch (key) {
                    case "action" -> assertEquals("announce", p.getText());
                    case "info_hash" -> assertEquals(infoHash, idOf(p.getText()));
                    case "peer_id" -> assertEquals(peerId, idOf(p.getText()));
                    case "offer_id" -> assertEquals(offerId, idOf(p.getText()));
                    case "offer" -> {
                        assertEquals(JsonToken.START_OBJECT, value);
                        int start = (int) p.currentTokenLocation().getByteOffset();
                        p.skipChildren();
                        int end = (int) p.currentLocation().getByteOffset();
                        assertEquals(sdp, new String(relay, start, end - start, StandardCharsets.UTF_8));
                    }
                    default -> throw new AssertionError("unexpected key " + key);
                }
            }
            assertEquals(List.of("action", "info_hash", "peer_id", "offer_id", "offer"), keys);
            assertEquals(null, p.nextToken());
        }
    }

    static BinaryId idOf(String text) {
        BinaryId id = new BinaryId();
        assertTrue(id.setFromChars(text.toCharArray(), 0, text.length()), text);
        return id;
    }

    static BinaryId randomId(Random random) {
        byte[] bytes = new byte[20];
        random.nextBytes(bytes);
        return BinaryId.of(bytes);
    }

    /** An SDP-shaped object with random text (any BMP char, escapes) and sometimes nesting. */
    static String randomSdp(Random random) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = PLAIN.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("type", "offer");
            StringBuilder sdp = new StringBuilder("v=0\r\n");
            for (int i = random.nextInt(40); i > 0; i--) {
                char c = (char) (random.nextInt(4) == 0 ? random.nextInt(0xD800) : 0x20 + random.nextInt(0x60));
                sdp.append(c);
            }
            g.writeStringField("sdp", sdp.toString());
            if (random.nextBoolean()) {
                g.writeObjectFieldStart("x");
                g.writeArrayFieldStart("y");
                g.writeNumber(random.nextInt());
                g.writeNull();
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    /** An announce written by plain jackson with fields in random order, random unknown fields, random spacing. */
    static byte[] announce(Random random, BinaryId infoHash, BinaryId peerId, int event, int numwant, boolean seeder,
                           BinaryId[] offerIds, String[] sdps) throws IOException {
        List<String> fields = new ArrayList<>();
        fields.add("\"action\":\"announce\"");
        fields.add("\"info_hash\":" + jsonString(random, infoHash));
        fields.add("\"peer_id\":" + jsonString(random, peerId));
        if (event > 0 || random.nextBoolean()) {
            fields.add("\"event\":\"" + new String[] {"update", "started", "stopped", "completed"}[event] + "\"");
        }
        fields.add("\"numwant\":" + numwant);
        fields.add("\"left\":" + (seeder ? "0" : random.nextBoolean() ? "null" : String.valueOf(1 + random.nextInt(1 << 30))));
        fields.add("\"uploaded\":" + random.nextInt(1 << 30));
        if (random.nextBoolean()) fields.add("\"trackerid\":\"t" + random.nextInt(5) + "\"");
        if (random.nextBoolean()) fields.add("\"unknown\":{\"a\":[1,\"]}\"]}");
        if (offerIds.length > 0 || random.nextBoolean()) {
            StringBuilder offers = new StringBuilder("\"offers\":[");
            for (int i = 0; i < offerIds.length; i++) {
                if (i > 0) offers.append(',');
                String id = "\"offer_id\":" + jsonString(random, offerIds[i]);
                String offer = "\"offer\":" + sdps[i];
                offers.append('{').append(random.nextBoolean() ? offer + "," + id : id + "," + offer).append('}');
            }
            fields.add(offers.append(']').toString());
        }
        Collections.shuffle(fields, random);
        String sep = random.nextBoolean() ? "," : " ,\n ";
        return ("{" + String.join(sep, fields) + "}" + (random.nextBoolean() ? "\n" : "")).getBytes(StandardCharsets.UTF_8);
    }

    /** The id as a JSON string: plain jackson's escapes, or every char as an upper-case escape. */
    static String jsonString(Random random, BinaryId id) throws IOException {
        if (random.nextInt(4) == 0) {
            StringBuilder s = new StringBuilder("\"");
            for (int i = 0; i < 20; i++) s.append(String.format("\\u%04X", id.byteAt(i)));
            return s.append('"').toString();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonGenerator g = PLAIN.createGenerator(bytes)) {
            char[] chars = new char[20];
            id.toChars(chars);
            g.writeString(chars, 0, 20);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void randomScrapesShouldRoundTripThroughTheScrapeReply() throws IOException {
        Random random = new Random(SEED + 3);
        for (int round = 0; round < 500; round++) {
            int count = random.nextInt(21);
            BinaryId[] ids = new BinaryId[count];
            StringBuilder frame = new StringBuilder("{\"action\":\"scrape\",\"info_hash\":[");
            for (int i = 0; i < count; i++) {
                ids[i] = randomId(random);
                if (i > 0) frame.append(',');
                frame.append(jsonString(random, ids[i]));
            }
            assertEquals(WsDecodeStatus.OK, decode(frame.append("]}").toString().getBytes(StandardCharsets.UTF_8)));
            assertEquals(count, request.scrapeCount);
            int[] results = new int[3 * count];
            for (int i = 0; i < results.length; i++) results[i] = random.nextInt(1000);
            ByteBuf out = PooledByteBufAllocator.DEFAULT.buffer();
            encoder.scrapeReply(out, request.scrapeHashWords(), results, count);
            byte[] reply = new byte[out.readableBytes()];
            out.readBytes(reply);
            out.release();
            try (JsonParser p = PLAIN.createParser(reply)) {
                assertEquals(JsonToken.START_OBJECT, p.nextToken());
                assertEquals("action", p.nextFieldName());
                assertEquals("scrape", p.nextTextValue());
                assertEquals("files", p.nextFieldName());
                assertEquals(JsonToken.START_OBJECT, p.nextToken());
                for (int i = 0; i < count; i++) {
                    assertEquals(ids[i], idOf(p.nextFieldName()));
                    assertEquals(JsonToken.START_OBJECT, p.nextToken());
                    assertEquals("complete", p.nextFieldName());
                    assertEquals(results[3 * i], p.nextIntValue(-1));
                    assertEquals("downloaded", p.nextFieldName());
                    assertEquals(results[3 * i + 1], p.nextIntValue(-1));
                    assertEquals("incomplete", p.nextFieldName());
                    assertEquals(results[3 * i + 2], p.nextIntValue(-1));
                    assertEquals(JsonToken.END_OBJECT, p.nextToken());
                }
                assertEquals(JsonToken.END_OBJECT, p.nextToken());
                assertEquals(JsonToken.END_OBJECT, p.nextToken());
            }
        }
        assertNotEquals(0, request.maxScrapeHashes());
    }
}
