package trackerd.http.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/**
 * Golden bencode replies, built field by field against BEP 3 (announce, failure), 7 (peers6),
 * 23 (compact peers), 31 (retry in) and 48 (scrape). Expected bodies are Latin-1 strings: text
 * as written, raw bytes from hex.
 */
class HttpTrackerResponseEncoderTest {
    private static final AnnounceIntervals INTERVALS = new AnnounceIntervals(1800, 900);
    static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

    /** Raw bytes from hex, as Latin-1 characters (one char per byte). */
    static String raw(String hex) {
        return new String(HexFormat.of().parseHex(hex.replace(" ", "")), StandardCharsets.ISO_8859_1);
    }

    /** The buffer's bytes as Latin-1, checking it was sized exactly, then released. */
    static String body(ByteBuf buf) {
        try {
            assertEquals(buf.capacity(), buf.readableBytes(), "exactly sized");
            return buf.toString(StandardCharsets.ISO_8859_1);
        } finally {
            buf.release();
        }
    }

    static final byte[] IPV4_PEERS = HexFormat.of().parseHex("0a0000011ae1" + "c0a801021ae2");
    static final byte[] IPV6_PEERS = HexFormat.of().parseHex(
        "20010db8000000000000000000000001" + "1ae1"   // [2001:db8::1]:6881
        + "fe800000000000000211223344556677" + "0050"); // [fe80::211:2233:4455:6677]:80

    @Test
    void ipv4CompactAnnounceShouldCarrySixBytePeers() {
        String expected = "d"
            + "8:complete" + "i5e"          // seeders
            + "10:downloaded" + "i10e"      // completed downloads
            + "10:incomplete" + "i3e"       // leechers
            + "8:interval" + "i1800e"       // seconds between announces
            + "12:min interval" + "i900e"   // seconds a client must wait at least
            + "5:peers" + "12:"             // BEP 23: 2 peers x 6 bytes
            + raw("0a000001 1ae1")          // 10.0.0.1:6881
            + raw("c0a80102 1ae2")          // 192.168.1.2:6882
            + "e";                          // no peers6 for an IPv4 requester
        assertEquals(expected, body(HttpTrackerResponseEncoder.encodeAnnounce(ALLOC, 5, 10, 3, INTERVALS, IPV4_PEERS, 2,
            false)));
    }

    @Test
    void ipv6CompactAnnounceShouldCarryPeers6AndAnEmptyPeers() {
        String expected = "d"
            + "8:complete" + "i0e"
            + "10:downloaded" + "i0e"
            + "10:incomplete" + "i2e"
            + "8:interval" + "i1800e"
            + "12:min interval" + "i900e"
            + "5:peers" + "0:"              // empty, for clients that insist on the key
            + "6:peers6" + "36:"            // BEP 7: 2 peers x 18 bytes; "peers" < "peers6" in byte order
            + raw("20010db8000000000000000000000001 1ae1")
            + raw("fe800000000000000211223344556677 0050")
            + "e";
        assertEquals(expected, body(HttpTrackerResponseEncoder.encodeAnnounce(ALLOC, 0, 0, 2, INTERVALS, IPV6_PEERS, 2,
            true)));
    }

    @Test
    void announceWithNoPeersShouldCarryAnEmptyString() {
        assertEquals("d8:completei1e10:downloadedi0e10:incompletei0e8:intervali60e12:min intervali30e5:peers0:e",
            body(HttpTrackerResponseEncoder.encodeAnnounce(ALLOC, 1, 0, 0, new AnnounceIntervals(60, 30), new byte[0], 0, false)));
    }

    @Test
    void nonCompactIpv4AnnounceShouldListDicts() {
        String expected = "d8:completei5e10:downloadedi10e10:incompletei3e8:intervali1800e12:min intervali900e"
            + "5:peers" + "l"
            + "d" + "2:ip" + "8:10.0.0.1" + "4:port" + "i6881e" + "e"     // no "peer id": the store keeps none
            + "d" + "2:ip" + "11:192.168.1.2" + "4:port" + "i6882e" + "e"
            + "e"
            + "e";
        assertEquals(expected, body(HttpTrackerResponseEncoder.encodeAnnounceNonCompact(ALLOC, 5, 10, 3, INTERVALS,
            IPV4_PEERS, 2, false)));
    }

    @Test
    void nonCompactIpv6AnnounceShouldWriteRfc5952Text() {
        String expected = "d8:completei0e10:downloadedi0e10:incompletei2e8:intervali1800e12:min intervali900e"
            + "5:peers" + "l"
            + "d2:ip" + "11:2001:db8::1" + "4:port" + "i6881e" + "e"
            + "d2:ip" + "24:fe80::211:2233:4455:6677" + "4:port" + "i80e" + "e"
            + "ee";
        assertEquals(expected, body(HttpTrackerResponseEncoder.encodeAnnounceNonCompact(ALLOC, 0, 0, 2, INTERVALS,
            IPV6_PEERS, 2, true)));
    }

    @Test
    void ipv6TextShouldFollowRfc5952() {
        String[][] cases = {
            {"00000000000000000000000000000000", "::"},
            {"00000000000000000000000000000001", "::1"},
            {"20010db8000000000000000000000000", "2001:db8::"},
            {"20010db8000000010000000000000001", "2001:db8:0:1::1"},         // longest run wins
            {"20010db8000000000001000000000001", "2001:db8::1:0:0:1"},       // first of two equal runs
            {"20010db8000100010001000100010001", "2001:db8:1:1:1:1:1:1"},
            {"20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1"},   // one zero group is not "::"
            {"00000000000000000000ffff01020304", "::ffff:102:304"},          // no dotted form: plain RFC 5952 hex
            {"abcd000000000000000000000000ef01", "abcd::ef01"},
            {"ffffffffffffffffffffffffffffffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"},
        };
        for (String[] c : cases) {
            byte[] peer = HexFormat.of().parseHex(c[0] + "0001");
            ByteBuf out = Unpooled.buffer();
            HttpTrackerResponseEncoder.writeIpv6Text(out, peer, 0);
            assertEquals(c[1], out.toString(StandardCharsets.US_ASCII));
            assertEquals(c[1].length(), HttpTrackerResponseEncoder.ipv6TextLength(peer, 0), c[1]);
            out.release();
        }
    }

    @Test
    void scrapeOfTwoHashesShouldBeSortedByRawBytes() {
        // request order: ff.. first, then 01..; bencode wants dict keys in byte order, so 01.. comes out first
        long[] hashes = {
            0xffeeddccbbaa9988L, 0x7766554433221100L, 0xfedcba98L,   // hash A: ffeeddccbbaa99887766554433221100fedcba98
            0x0123456789abcdefL, 0x0123456789abcdefL, 0x01234567L,   // hash B: 0123456789abcdef0123456789abcdef01234567
        };
        int[] results = {
            1, 2, 3,     // A: seeders 1, completed 2, leechers 3
            10, 200, 7,  // B: seeders 10, completed 200, leechers 7
        };
        String expected = "d"
            + "5:files" + "d"
            + "20:" + raw("0123456789abcdef0123456789abcdef01234567")     // B
            + "d" + "8:complete" + "i10e" + "10:downloaded" + "i200e" + "10:incomplete" + "i7e" + "e"
            + "20:" + raw("ffeeddccbbaa99887766554433221100fedcba98")     // A
            + "d" + "8:complete" + "i1e" + "10:downloaded" + "i2e" + "10:incomplete" + "i3e" + "e"
            + "e"
            + "e";
        assertEquals(expected, body(HttpTrackerResponseEncoder.encodeScrape(ALLOC, hashes, results, 2, new int[2])));
    }

    @Test
    void scrapeShouldSortUnsignedAndDropDuplicateKeys() {
        long[] hashes = {
            0x8000000000000000L, 0, 0,          // 80.. : above 7f.. as bytes, below as signed longs
            0x7fffffffffffffffL, 0, 0,
            0x7fffffffffffffffL, 0, 0x80000000L, // same first 16 bytes, last word decides (unsigned)
            0x7fffffffffffffffL, 0, 0,          // duplicate of index 1
            0x7fffffffffffffffL, 1, 0,
        };
        int[] order = new int[5];
        assertEquals(4, HttpTrackerResponseEncoder.sortScrape(hashes, 5, order));
        assertArrayEquals(new int[] {1, 2, 4, 0}, java.util.Arrays.copyOf(order, 4));
        int[] results = new int[15];
        ByteBuf out = HttpTrackerResponseEncoder.encodeScrape(ALLOC, hashes, results, 5, order);
        assertEquals(9 + 4 * (3 + 20 + "d8:completei0e10:downloadedi0e10:incompletei0ee".length()) + 2,
            body(out).length());
    }

    @Test
    void fullScrapeWithNoHashesShouldBeAnEmptyFilesDict() {
        assertEquals("d5:filesdee", body(HttpTrackerResponseEncoder.encodeScrape(ALLOC, new long[0], new int[0], 0,
            new int[0])));
    }

    @Test
    void everyFailureShouldBeABencodedReason() {
        String[][] cases = {
            {new String(HttpFailures.MISSING_INFO_HASH), "missing info_hash"},
            {new String(HttpFailures.BAD_INFO_HASH), "invalid info_hash: must be 20 bytes, percent-encoded"},
            {new String(HttpFailures.MISSING_PEER_ID), "missing peer_id"},
            {new String(HttpFailures.BAD_PEER_ID), "invalid peer_id: must be 20 bytes, percent-encoded"},
            {new String(HttpFailures.MISSING_PORT), "missing port"},
            {new String(HttpFailures.BAD_PORT), "invalid port: must be 1-65535"},
            {new String(HttpFailures.BAD_UPLOADED), "invalid uploaded: must be a non-negative integer"},
            {new String(HttpFailures.BAD_DOWNLOADED), "invalid downloaded: must be a non-negative integer"},
            {new String(HttpFailures.BAD_LEFT), "invalid left: must be a non-negative integer"},
            {new String(HttpFailures.BAD_EVENT), "invalid event: must be started, completed, stopped, paused or empty"},
            {new String(HttpFailures.BAD_NUMWANT), "invalid numwant: must be an integer"},
            {new String(HttpFailures.BAD_COMPACT), "invalid compact: must be 0 or 1"},
            {new String(HttpFailures.TOO_MANY_HASHES), "too many info hashes in one scrape"},
            {new String(HttpFailures.NOT_FOUND), "unknown path: use /announce or /scrape"},
            {new String(HttpFailures.BAD_REQUEST), "malformed request"},
            {new String(HttpFailures.FORBIDDEN), "info hash not served by this tracker"},
            {new String(HttpFailures.TOO_MANY_TORRENTS), "tracker is full: too many torrents"},
            {new String(HttpFailures.TOO_MANY_PEERS), "swarm is full: too many peers"},
            {new String(HttpFailures.FULL_SCRAPE_DISABLED), "full scrape is not served: give an info_hash"},
            {new String(HttpFailures.INTERNAL_ERROR), "internal tracker error"},
            {new String(HttpFailures.BUSY), "tracker busy"},
        };
        for (String[] c : cases) {
            // d 14:failure reason <length>:<text> e
            assertEquals("d" + "14:failure reason" + c[1].length() + ":" + c[1] + "e", c[0]);
        }
        assertEquals("d14:failure reason17:missing info_hashe", new String(HttpFailures.MISSING_INFO_HASH));
        assertEquals("d14:failure reason12:tracker busye", body(HttpFailures.encode(ALLOC, HttpFailures.BUSY)));
    }

    @Test
    void everyDecoderStatusShouldHaveAFailureBody() {
        for (int status = 1; status < HttpTrackerRequestDecoder.STATUS_COUNT; status++) {
            byte[] body = HttpFailures.forStatus(status);
            assertEquals('d', body[0], "status " + status);
        }
        assertArrayEquals(HttpFailures.BAD_PORT, HttpFailures.forStatus(HttpTrackerRequestDecoder.BAD_PORT));
        assertArrayEquals(HttpFailures.BAD_REQUEST, HttpFailures.forStatus(99));
        assertArrayEquals(HttpFailures.BAD_REQUEST, HttpFailures.forStatus(HttpTrackerRequestDecoder.OK));
    }

    @Test
    void busyShouldCarryBep31RetryIn() {
        String expected = "d"
            + "14:failure reason" + "12:tracker busy"
            + "8:retry in" + "i5e"          // BEP 31: minutes; "failure reason" < "retry in"
            + "e";
        assertEquals(expected, new String(HttpFailures.busy(5), StandardCharsets.US_ASCII));
        ByteBuf out = Unpooled.buffer();
        HttpFailures.writeBusy(out, 120);
        assertEquals("d14:failure reason12:tracker busy8:retry ini120ee", out.toString(StandardCharsets.US_ASCII));
        assertEquals(out.readableBytes(), HttpFailures.busyLength(120));
        out.release();
    }

    @Test
    void decimalsShouldBeWrittenWithoutStrings() {
        long[] values = {0, 1, 9, 10, 99, 100, 65535, Integer.MAX_VALUE, Long.MAX_VALUE, -1, -10, -Long.MAX_VALUE,
            // every length of the packed eight-digit path and its edges, digits that differ by place
            12, 123, 1234, 12345, 123456, 1234567, 12345678, 99_999_999, 100_000_000, 10_203_040, 90_807_060};
        for (long v : values) {
            ByteBuf out = Unpooled.buffer().writeByte('x');
            Bencode.writeDecimal(out, v);
            out.writeByte('y');
            assertEquals("x" + v + "y", out.toString(StandardCharsets.US_ASCII), "nothing written around it");
            assertEquals(Long.toString(v).length(), Bencode.decimalLength(v));
            out.release();
        }
    }
}
