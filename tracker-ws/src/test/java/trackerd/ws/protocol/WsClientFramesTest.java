package trackerd.ws.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Frames sent by the real npm {@code bittorrent-tracker} client (11.2.3, what webtorrent uses),
 * recorded by {@code tracker-ws/src/test/node/print-client-frames.mjs} with WebRTC stubbed
 * (fixed SDP objects shaped as simple-peer's). The ids were chosen to carry control chars
 * (JSON.stringify's {@code \b \t \n \f \r} and lower-case {@code &#92;u00xx} escapes), every
 * printable ASCII char including {@code "} and {@code \}, and 2-byte UTF-8 chars 0x80-0xFF.
 */
class WsClientFramesTest {
    static List<String> frames;

    @BeforeAll
    static void load() throws IOException {
        try (InputStream in = WsClientFramesTest.class.getResourceAsStream("client-frames.txt")) {
            frames = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        assertEquals(6, frames.size());
    }

    /** The 20 bytes from, from+1, ... (mod 256), as the node script makes its ids. */
    static BinaryId run(int from) {
        byte[] b = new byte[20];
        for (int i = 0; i < 20; i++) b[i] = (byte) (from + i);
        return BinaryId.of(b);
    }

    static final BinaryId INFO_HASH = run(0x00);
    static final BinaryId PEER_ID = run(0xec);

    final WsRequestDecoder decoder = new WsRequestDecoder(64 * 1024);
    final WsRequest request = new WsRequest(10, 16);

    int decode(int line) {
        byte[] bytes = frames.get(line).getBytes(StandardCharsets.UTF_8);
        ByteBuf frame = Unpooled.wrappedBuffer(bytes);
        try {
            return decoder.decode(frame, request);
        } finally {
            frame.release();
        }
    }

    String range(int line, int start, int end) {
        byte[] bytes = frames.get(line).getBytes(StandardCharsets.UTF_8);
        return new String(bytes, start, end - start, StandardCharsets.UTF_8);
    }

    static String sdp(String type, int n) {
        return "{\"type\":\"" + type + "\",\"sdp\":\"v=0\\r\\no=- " + n
            + " 2 IN IP4 127.0.0.1\\r\\na=fingerprint:sha-256 AB:CD\\r\\na=x \\\"quoted\\\" \\\\ \u00e9\\r\\n\"}";
    }

    @Test
    void shouldDecodeTheStartedAnnounceWithThreeOffers() {
        assertEquals(WsDecodeStatus.OK, decode(0));
        assertEquals(WsRequest.ACTION_ANNOUNCE, request.action);
        assertEquals(INFO_HASH, request.infoHash);
        assertEquals(PEER_ID, request.peerId);
        assertEquals(WsRequest.EVENT_STARTED, request.event);
        assertEquals(3, request.numwant);
        assertFalse(request.seeder, "left null: size unknown, a leecher");
        assertEquals(3, request.offerCount);
        for (int i = 0; i < 3; i++) {
            assertEquals(run(0x20 + 20 * i), request.offerId(i));
            // the opaque offer, byte for byte as sent (escapes and UTF-8 untouched)
            assertEquals(sdp("offer", i + 1), range(0, request.offerStart(i), request.offerEnd(i)));
        }
        assertFalse(request.hasAnswer);
    }

    @Test
    void shouldDecodeTheAnswer() {
        assertEquals(WsDecodeStatus.OK, decode(1));
        assertEquals(WsRequest.ACTION_ANNOUNCE, request.action);
        assertTrue(request.hasAnswer);
        assertEquals(run(0x80), request.toPeerId);
        assertEquals(run(0x60), request.answerOfferId);
        assertEquals(sdp("answer", 99), range(1, request.answerStart, request.answerEnd));
        assertEquals(0, request.offerCount);
        assertEquals(-1, request.numwant);
    }

    @Test
    void shouldDecodeCompletedAsSeederAndStopped() {
        assertEquals(WsDecodeStatus.OK, decode(2));
        assertEquals(WsRequest.EVENT_COMPLETED, request.event);
        assertTrue(request.seeder, "left 0");
        assertEquals(50, request.numwant);
        assertEquals(0, request.offerCount);
        assertEquals(WsDecodeStatus.OK, decode(5));
        assertEquals(WsRequest.EVENT_STOPPED, request.event);
    }

    @Test
    void shouldDecodeScrapesOfOneAndTwoHashes() {
        BinaryId out = new BinaryId();
        assertEquals(WsDecodeStatus.OK, decode(3));
        assertEquals(WsRequest.ACTION_SCRAPE, request.action);
        assertFalse(request.fullScrape);
        assertEquals(1, request.scrapeCount);
        assertEquals(INFO_HASH, request.scrapeHash(0, out));
        assertEquals(WsDecodeStatus.OK, decode(4));
        assertEquals(2, request.scrapeCount);
        assertEquals(INFO_HASH, request.scrapeHash(0, out));
        assertEquals(run(0x70), request.scrapeHash(1, out)); // 0x70-0x7e, DEL, 0x80-0x83
    }

    @Test
    void everyPrefixOfEveryClientFrameShouldFailWithoutThrowing() {
        for (int line = 0; line < frames.size(); line++) {
            byte[] bytes = frames.get(line).getBytes(StandardCharsets.UTF_8);
            for (int length = 0; length < bytes.length; length++) {
                int status = decoder.decode(bytes, 0, length, request);
                assertTrue(status != WsDecodeStatus.OK, "line " + line + " cut at " + length);
            }
            assertEquals(WsDecodeStatus.OK, decoder.decode(bytes, 0, bytes.length, request));
        }
    }

    @Test
    void shouldDecodeAllFramesInARowWithOneParser() {
        for (int round = 0; round < 3; round++) {
            for (int line = 0; line < frames.size(); line++) assertEquals(WsDecodeStatus.OK, decode(line), "line " + line);
        }
        assertEquals(0, decoder.parserRenewals());
    }
}
