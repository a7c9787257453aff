package trackerd.udp.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import trackerd.swarm.AnnounceEvent;
import trackerd.swarm.ScrapeBlock;
import trackerd.swarm.SwarmRequest;

/** Golden byte vectors for every BEP 15 message, commented field by field. */
class UdpCodecTest {
    static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    static ByteBuf hex(String... fields) {
        return Unpooled.wrappedBuffer(HexFormat.of().parseHex(String.join("", fields).replace(" ", "")));
    }

    static String hexOf(ByteBuf buf) {
        try {
            return ByteBufUtil.hexDump(buf);
        } finally {
            buf.release();
        }
    }

    static final String INFO_HASH = "0123456789abcdef0123456789abcdef01234567";
    static final String PEER_ID = "2d7142343630302d" + "000102030405060708090a0b";

    static String announceRequest(String event, String ip, String numwant, String port, String left) {
        return "0000041727101980" // connection_id (any value; checked elsewhere)
            + "00000001"          // action: announce
            + "cafebabe"          // transaction_id
            + INFO_HASH + PEER_ID
            + "0000000000000400"  // downloaded 1024
            + left                // left
            + "0000000000000800"  // uploaded 2048
            + event + ip
            + "12345678"          // key
            + numwant + port;
    }

    @Test
    void shouldDecodeAnIpv4AnnounceRequest() {
        ByteBuf in = hex(announceRequest("00000002" /* started */, "00000000", "ffffffff" /* -1 */, "1ae1" /* 6881 */,
            "0000000000100000" /* left 1 MiB */));
        SwarmRequest slot = SwarmRequest.detached(50);
        assertEquals(UdpRequestDecoder.OK, UdpRequestDecoder.decodeAnnounce(in, 0, in.readableBytes(), slot));
        assertEquals(0x0123456789abcdefL, slot.infoHash0);
        assertEquals(0x0123456789abcdefL, slot.infoHash1);
        assertEquals(0x01234567, slot.infoHash2);
        assertEquals(6881, slot.port);
        assertEquals(AnnounceEvent.STARTED, slot.event);
        assertEquals(-1, slot.numwant);
        assertFalse(slot.seeder);
        assertEquals(98, in.readableBytes());
        in.release();
    }

    @Test
    void shouldTreatLeftZeroAsSeederAndReadTheIpField() {
        ByteBuf in = hex(announceRequest("00000001" /* completed */, "0a000001" /* 10.0.0.1 */, "00000019" /* 25 */,
            "ffff", "0000000000000000"));
        SwarmRequest slot = SwarmRequest.detached(50);
        assertEquals(UdpRequestDecoder.OK, UdpRequestDecoder.decodeAnnounce(in, 0, 98, slot));
        assertTrue(slot.seeder);
        assertEquals(25, slot.numwant);
        assertEquals(65535, slot.port);
        assertEquals(AnnounceEvent.COMPLETED, slot.event);
        assertEquals(0x0a000001, UdpRequestDecoder.ipField(in, 0));
        in.release();
    }

    @Test
    void shouldAcceptBep41OptionsAfterTheAnnounce() {
        // BEP 41: option 2 (URLData) of length 9 "/announce", then 1 (NOP), then 0 (EndOfOptions)
        ByteBuf in = hex(announceRequest("00000000", "00000000", "ffffffff", "1ae1", "0000000000000001"),
            "0209", "2f616e6e6f756e6365", "01", "00");
        SwarmRequest slot = SwarmRequest.detached(50);
        assertEquals(UdpRequestDecoder.OK, UdpRequestDecoder.decodeAnnounce(in, 0, in.readableBytes(), slot));
        assertEquals(6881, slot.port);
        in.release();
    }

    @Test
    void shouldRefuseBadAnnounces() {
        SwarmRequest slot = SwarmRequest.detached(50);
        ByteBuf portZero = hex(announceRequest("00000000", "00000000", "ffffffff", "0000", "0000000000000001"));
        assertEquals(UdpRequestDecoder.INVALID_PORT, UdpRequestDecoder.decodeAnnounce(portZero, 0, 98, slot));
        ByteBuf badEvent = hex(announceRequest("00000004", "00000000", "ffffffff", "1ae1", "0000000000000001"));
        assertEquals(UdpRequestDecoder.INVALID_EVENT, UdpRequestDecoder.decodeAnnounce(badEvent, 0, 98, slot));
        assertEquals(UdpRequestDecoder.ANNOUNCE_TOO_SHORT, UdpRequestDecoder.decodeAnnounce(badEvent, 0, 97, slot));
        portZero.release();
        badEvent.release();
    }

    @Test
    void shouldDecodeScrapeRequests() {
        ByteBuf in = hex("0000041727101980", "00000002", "00000009", INFO_HASH, "11".repeat(20));
        ScrapeBlock block = new ScrapeBlock(64);
        assertEquals(UdpRequestDecoder.OK, UdpRequestDecoder.decodeScrape(in, 0, in.readableBytes(), 64, block));
        assertEquals(2, block.count());
        assertEquals(0x1111111111111111L, block.hash0(1));
        assertEquals(0x11111111, block.hash2(1));
        assertEquals(UdpRequestDecoder.BAD_SCRAPE_LENGTH, UdpRequestDecoder.decodeScrape(in, 0, 16, 64, new ScrapeBlock(64)));
        assertEquals(UdpRequestDecoder.BAD_SCRAPE_LENGTH, UdpRequestDecoder.decodeScrape(in, 0, 55, 64, new ScrapeBlock(64)));
        assertEquals(UdpRequestDecoder.TOO_MANY_HASHES, UdpRequestDecoder.decodeScrape(in, 0, 56, 1, new ScrapeBlock(64)));
        assertEquals(UdpRequestDecoder.TOO_MANY_HASHES, UdpRequestDecoder.decodeScrape(in, 0, 56, 64, new ScrapeBlock(1)),
            "never more than the block holds");
        in.release();
    }

    @Test
    void connectResponseShouldBeSixteenBytes() {
        assertEquals("00000000" // action: connect
            + "12345678"        // transaction_id
            + "0102030405060708", // connection_id
            hexOf(UdpResponseEncoder.connect(ALLOC, 0x12345678, 0x0102030405060708L)));
    }

    @Test
    void ipv4AnnounceResponseShouldCarrySixBytePeers() {
        byte[] peers = HexFormat.of().parseHex("0a0000011ae1" + "c0a801021ae2");
        assertEquals("00000001" // action: announce
            + "cafebabe"        // transaction_id
            + "00000708"        // interval 1800
            + "00000003"        // leechers
            + "00000001"        // seeders
            + "0a0000011ae1"    // 10.0.0.1:6881
            + "c0a801021ae2",   // 192.168.1.2:6882
            hexOf(UdpResponseEncoder.announce(ALLOC, 0xcafebabe, 1800, 3, 1, peers, 12)));
    }

    @Test
    void ipv6AnnounceResponseShouldCarryEighteenBytePeers() {
        byte[] peers = HexFormat.of().parseHex("20010db8000000000000000000000001" + "1ae1" + "ffff");
        assertEquals("00000001" + "00000001" + "00000384" /* 900 */ + "00000000" + "00000002"
            + "20010db8000000000000000000000001" + "1ae1", // [2001:db8::1]:6881
            hexOf(UdpResponseEncoder.announce(ALLOC, 1, 900, 0, 2, peers, 18)));
    }

    @Test
    void scrapeResponseShouldListSeedersCompletedLeechersPerHash() {
        assertEquals("00000002" // action: scrape
            + "00000009"        // transaction_id
            + "00000005" + "0000000a" + "00000007"  // hash 1: seeders 5, completed 10, leechers 7
            + "00000000" + "00000000" + "00000000", // hash 2: unknown
            hexOf(UdpResponseEncoder.scrape(ALLOC, 9, scrapeResults())));
    }

    static ScrapeBlock scrapeResults() {
        ScrapeBlock block = new ScrapeBlock(64);
        block.add(1, 1, 1);
        block.add(2, 2, 2);
        block.setResult(0, 5, 10, 7);
        block.setResult(1, 0, 0, 0);
        return block;
    }

    @Test
    void errorResponseShouldCarryTheMessage() {
        assertEquals("00000003" // action: error
            + "00000004"        // transaction_id
            + HexFormat.of().formatHex("unknown action".getBytes()),
            hexOf(UdpResponseEncoder.error(ALLOC, 4, UdpResponseEncoder.UNKNOWN_ACTION)));
    }

    @Test
    void decodersShouldNeverThrowAtAnyLength() {
        Random random = new Random(7);
        for (int length = 0; length <= 200; length++) {
            for (int round = 0; round < 20; round++) {
                byte[] bytes = new byte[length];
                random.nextBytes(bytes);
                ByteBuf in = Unpooled.wrappedBuffer(bytes);
                UdpRequestDecoder.decodeAnnounce(in, 0, length, SwarmRequest.detached(50));
                UdpRequestDecoder.decodeScrape(in, 0, length, 64, new ScrapeBlock(64));
                in.release();
            }
        }
    }
}
