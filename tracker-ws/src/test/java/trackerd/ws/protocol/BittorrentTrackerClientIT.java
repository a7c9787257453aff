package trackerd.ws.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The encoder's frames read by the real npm {@code bittorrent-tracker} client (node, installed by
 * scripts/install-test-deps): it must take our announce reply, offer and answer relays, failure
 * and scrape reply for its own torrent (it compares our binary {@code info_hash} with its own as
 * strings, so one wrong escape and it drops the message), and the answer it sends back must
 * decode with our decoder. The info hash carries control chars, {@code "}, {@code \} and
 * 0x80-0xFF.
 */
@Timeout(60)
class BittorrentTrackerClientIT {
    static final Path SCRIPT = Path.of("src", "test", "node", "client-reads-replies.mjs");
    static final Path MODULES = Path.of("..", "tracker-loadtest", "src", "test", "node", "node_modules");

    static final String INFO_HASH = "00090a1f225c2f7f80c3e9ff0123456789abcdef";
    static final String PEER_ID = "2d5757303130352d" + "6162636465666768696a6b6c"; // -WW0105-abcdefghijkl
    static final String OFFER_ID = "ffeeddccbbaa99887766554433221100a0b0c0d0"; // the client's own offer
    static final BinaryId OFFERER = BinaryId.of(HexFormat.of().parseHex("80".repeat(10) + "0d".repeat(10)));
    static final BinaryId RELAYED_OFFER_ID = BinaryId.of(HexFormat.of().parseHex("22".repeat(10) + "5c".repeat(10)));

    @Test
    void theRealClientShouldReadEveryReplyAndAnswerAnOffer() throws Exception {
        assertTrue(Files.isDirectory(MODULES.resolve("bittorrent-tracker")),
            "npm bittorrent-tracker missing: run scripts/install-test-deps");
        BinaryId infoHash = BinaryId.of(HexFormat.of().parseHex(INFO_HASH));
        BinaryId answerer = BinaryId.of(HexFormat.of().parseHex("41".repeat(20)));
        WsResponseEncoder encoder = new WsResponseEncoder();
        ByteBuf offerSdp = Unpooled.copiedBuffer("{\"type\":\"offer\",\"sdp\":\"v=0\\r\\no=- 1 \\\"x\\\"\"}", StandardCharsets.UTF_8);
        ByteBuf answerSdp = Unpooled.copiedBuffer("{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\\u00e9\"}", StandardCharsets.UTF_8);
        List<String> frames = new ArrayList<>();
        frames.add(base64(out -> encoder.announceReply(out, infoHash, 120, 3, 7)));
        frames.add(base64(out -> encoder.offer(out, infoHash, OFFERER, RELAYED_OFFER_ID, offerSdp, 0, offerSdp.readableBytes())));
        frames.add(base64(out -> encoder.answer(out, infoHash, answerer,
            BinaryId.of(HexFormat.of().parseHex(OFFER_ID)), answerSdp, 0, answerSdp.readableBytes())));
        frames.add(base64(out -> encoder.failure(out, WsDecodeStatus.TOO_MANY_OFFERS, WsRequest.ACTION_ANNOUNCE, infoHash)));
        frames.add(base64(out -> encoder.scrapeReply(out, new long[] {infoHash.w0, infoHash.w1, infoHash.w2},
            new int[] {1, 2, 3}, 1)));
        offerSdp.release();
        answerSdp.release();

        Path stderr = Files.createTempFile("client-reads-replies", ".log");
        Process node = new ProcessBuilder("node", SCRIPT.toString(), MODULES.toAbsolutePath().toString(), INFO_HASH,
            PEER_ID, OFFER_ID).redirectError(stderr.toFile()).start();
        List<Map<String, Object>> events = new ArrayList<>();
        try {
            try (OutputStream stdin = node.getOutputStream()) {
                stdin.write(String.join("\n", frames).concat("\n").getBytes(StandardCharsets.US_ASCII));
            }
            String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(node.waitFor(30, TimeUnit.SECONDS));
            for (String line : output.lines().toList()) events.add(flat(line));
            assertEquals(0, node.exitValue(), output + Files.readString(stderr));
        } finally {
            node.destroyForcibly();
            Files.deleteIfExists(stderr);
        }

        Map<String, Map<String, Object>> byEvent = new HashMap<>();
        for (Map<String, Object> e : events) byEvent.put(e.get("event") + "/" + e.getOrDefault("to", ""), e);
        Map<String, Object> update = byEvent.get("update/");
        assertEquals(3, update.get("complete"));
        assertEquals(7, update.get("incomplete"));
        assertEquals(INFO_HASH, update.get("infoHash"));
        assertEquals("too many offers", byEvent.get("warning/").get("message"));
        Map<String, Object> scrape = byEvent.get("scrape/");
        assertEquals(1, scrape.get("complete"));
        assertEquals(2, scrape.get("downloaded"));
        assertEquals(3, scrape.get("incomplete"));
        assertEquals(INFO_HASH, scrape.get("infoHash"));
        // our offer reached its (stubbed) WebRTC peer as the object we relayed
        assertEquals("offer", byEvent.get("signal/answering").get("data.type"));
        assertEquals("v=0\r\no=- 1 \"x\"", byEvent.get("signal/answering").get("data.sdp"));
        // our answer relay reached the peer that made the offer with that offer_id
        assertEquals("v=0\r\n\u00e9", byEvent.get("signal/offering").get("data.sdp"));

        // the client's answer to our offer relay decodes: it goes back to the offerer, for its offer
        byte[] answerFrame = Base64.getDecoder().decode((String) byEvent.get("answer-frame/").get("frame"));
        WsRequest request = new WsRequest(10, 10);
        assertEquals(WsDecodeStatus.OK, new WsRequestDecoder(65536).decode(answerFrame, 0, answerFrame.length, request));
        assertEquals(infoHash, request.infoHash);
        assertEquals(OFFERER, request.toPeerId);
        assertEquals(RELAYED_OFFER_ID, request.answerOfferId);
        assertTrue(request.hasAnswer);
    }

    interface Encoding {
        void into(ByteBuf out);
    }

    static String base64(Encoding encoding) {
        ByteBuf out = Unpooled.buffer();
        try {
            encoding.into(out);
            return Base64.getEncoder().encodeToString(ByteBufUtil.getBytes(out));
        } finally {
            out.release();
        }
    }

    /** One event line as a flat map: nested object fields as "outer.inner", ints as Integer. */
    static Map<String, Object> flat(String line) throws IOException {
        Map<String, Object> map = new HashMap<>();
        try (JsonParser p = new JsonFactory().createParser(line)) {
            p.nextToken();
            String prefix = "";
            JsonToken t;
            while ((t = p.nextToken()) != null) {
                if (t == JsonToken.FIELD_NAME) continue;
                String name = p.currentName();
                if (t == JsonToken.START_OBJECT) prefix = name + ".";
                else if (t == JsonToken.END_OBJECT) prefix = "";
                else if (t == JsonToken.VALUE_NUMBER_INT) map.put(prefix + name, p.getIntValue());
                else map.put(prefix + name, p.getText());
            }
        }
        return map;
    }
}
