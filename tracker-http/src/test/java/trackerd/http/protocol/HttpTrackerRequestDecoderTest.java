package trackerd.http.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static trackerd.http.protocol.HttpTrackerRequestDecoder.*;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import trackerd.net.HeaderNames;

/** Golden request targets, field by field against BEP 3, 7, 21, 23 and 48, and the decoder's edge rules. */
class HttpTrackerRequestDecoderTest {
    /** info hash 0123456789abcdef0123456789abcdef01234567, every byte percent-encoded (as libtorrent does for non-unreserved bytes). */
    static final String INFO_HASH_ENCODED = "%01%23Eg%89%AB%CD%EF%01%23Eg%89%ab%cd%ef%01%23Eg";
    static final String PEER_ID_ENCODED = "-lt2000-%00%01%02%03%04%05%06%07%08%09%0A%0B"; // "-lt2000-" + 12 raw bytes
    static final byte[] PEER_ID = concat("-lt2000-".getBytes(StandardCharsets.US_ASCII),
        HexFormat.of().parseHex("000102030405060708090a0b"));

    static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    static ByteBuf target(String text) {
        return Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    /** Decodes {@code text} placed in the middle of a larger buffer, as a request line slice would be. */
    static int decode(String text, HttpTrackerRequest out) {
        ByteBuf in = target("GET " + text + " HTTP/1.1\r\n");
        try {
            return HttpTrackerRequestDecoder.decode(in, 4, 4 + text.length(), out);
        } finally {
            in.release();
        }
    }

    static HttpTrackerRequest request() {
        return new HttpTrackerRequest(8);
    }

    static String announce(String... extra) {
        return "/announce?info_hash=" + INFO_HASH_ENCODED + "&peer_id=" + PEER_ID_ENCODED + "&port=6881"
            + String.join("", extra);
    }

    @Test
    void shouldDecodeALibtorrentAnnounce() {
        HttpTrackerRequest r = request();
        String target = "/announce"
            + "?info_hash=" + INFO_HASH_ENCODED   // BEP 3: 20 raw bytes, percent-encoded
            + "&peer_id=" + PEER_ID_ENCODED       // BEP 3: 20 raw bytes
            + "&port=6881"                        // the peer's listening port
            + "&uploaded=2048"                    // bytes sent since started
            + "&downloaded=1024"                  // bytes received since started
            + "&left=1048576"                     // bytes still missing: a leecher
            + "&corrupt=0&redundant=0"            // libtorrent extras: ignored
            + "&key=3a4f1c2b"                     // BEP 3 optional key: ignored
            + "&event=started"                    // first announce
            + "&numwant=200"                      // peers wanted
            + "&compact=1"                        // BEP 23: 6-byte peers
            + "&no_peer_id=1"                     // no peer ids in non-compact replies
            + "&supportcrypto=1"
            + "&ipv6=2001%3Adb8%3A%3A1";          // BEP 7: our other-family address, ':' escaped
        assertEquals(OK, decode(target, r));
        assertEquals(HttpTrackerRequest.ANNOUNCE, r.kind);
        assertEquals(0x0123456789abcdefL, r.infoHash0);
        assertEquals(0x0123456789abcdefL, r.infoHash1);
        assertEquals(0x01234567, r.infoHash2);
        assertArrayEquals(PEER_ID, r.peerId);
        assertEquals(6881, r.port);
        assertEquals(2048, r.uploaded);
        assertEquals(1024, r.downloaded);
        assertEquals(1048576, r.left);
        assertEquals(HttpTrackerRequest.EVENT_STARTED, r.event);
        assertEquals(200, r.numwant);
        assertTrue(r.compact);
        assertTrue(r.noPeerId);
        assertFalse(r.seeder());
        assertFalse(r.hasIpv4);
        assertTrue(r.hasIpv6);
        assertEquals(0x20010db800000000L, r.ipv6High);
        assertEquals(1L, r.ipv6Low);
    }

    @Test
    void shouldApplyDefaultsForOptionalParameters() {
        HttpTrackerRequest r = request();
        assertEquals(OK, decode(announce(), r));
        assertEquals(0, r.uploaded);
        assertEquals(0, r.downloaded);
        assertEquals(-1, r.left);           // unknown
        assertEquals(HttpTrackerRequest.EVENT_NONE, r.event);
        assertEquals(-1, r.numwant);        // the configured default
        assertTrue(r.compact);              // BEP 23 is our default answer
        assertFalse(r.noPeerId);
        assertFalse(r.seeder());
        assertFalse(r.hasIpv4 || r.hasIpv6);
    }

    @Test
    void shouldReadEveryEventAndSeederRule() {
        String[] events = {"started", "completed", "stopped", "paused", "", "empty"};
        int[] expected = {HttpTrackerRequest.EVENT_STARTED, HttpTrackerRequest.EVENT_COMPLETED,
            HttpTrackerRequest.EVENT_STOPPED, HttpTrackerRequest.EVENT_PAUSED, HttpTrackerRequest.EVENT_NONE,
            HttpTrackerRequest.EVENT_NONE};
        HttpTrackerRequest r = request();
        for (int i = 0; i < events.length; i++) {
            assertEquals(OK, decode(announce("&left=5&event=" + events[i]), r), events[i]);
            assertEquals(expected[i], r.event, events[i]);
        }
        assertEquals(BAD_EVENT, decode(announce("&event=start"), r));
        assertEquals(BAD_EVENT, decode(announce("&event=STARTED"), r));
        assertEquals(OK, decode(announce("&left=0"), r));
        assertTrue(r.seeder());
        assertEquals(OK, decode(announce("&left=7&event=paused"), r));
        assertTrue(r.seeder(), "BEP 21: a paused (upload-only) peer counts as a seeder");
        assertEquals(OK, decode(announce("&left=7&event=completed"), r));
        assertTrue(r.seeder());
    }

    @Test
    void shouldRecogniseThePaths() {
        HttpTrackerRequest r = request();
        assertEquals(OK, decode(announce().replace("/announce?", "/announce/?"), r));
        assertEquals(HttpTrackerRequest.ANNOUNCE, r.kind);
        assertEquals(OK, decode("/scrape", r));
        assertEquals(HttpTrackerRequest.SCRAPE, r.kind);
        assertEquals(OK, decode("/scrape/", r));
        assertEquals(OK, decode("/health", r));
        assertEquals(HttpTrackerRequest.HEALTH, r.kind);
        assertEquals(OK, decode("/health?anything=%zz", r));
        for (String other : new String[] {"/", "", "/announce//", "/announc", "/announcee", "/ANNOUNCE", "/metrics",
                "/scrape.php", "http://host/x/announce", "http://host", "http://host?/announce", "http:/host/announce",
                "1http://host/announce", "ht tp://host/announce", "://host/announce", "announce"}) {
            assertEquals(NOT_FOUND, decode(other, r), other);
            assertEquals(HttpTrackerRequest.NOT_FOUND, r.kind, other);
        }
    }

    @Test
    void anAbsoluteFormTargetShouldReadAsItsPath() {
        // RFC 9112 3.2.2: a server must accept the absolute form (what a client sends to a proxy)
        HttpTrackerRequest origin = request();
        assertEquals(OK, decode(announce("&left=0"), origin));
        for (String prefix : new String[] {"http://tracker.example:6969", "HTTPS://[2001:db8::1]", "http://10.0.0.1"}) {
            HttpTrackerRequest r = request();
            assertEquals(OK, decode(prefix + announce("&left=0"), r), prefix);
            assertEquals(HttpTrackerRequest.ANNOUNCE, r.kind);
            assertEquals(origin.infoHash0, r.infoHash0);
            assertEquals(origin.infoHash2, r.infoHash2);
            assertArrayEquals(origin.peerId, r.peerId);
            assertEquals(6881, r.port);
            assertTrue(r.seeder());
            assertEquals(OK, decode(prefix + "/health", r));
            assertEquals(HttpTrackerRequest.HEALTH, r.kind);
            assertEquals(OK, decode(prefix + "/scrape?info_hash=" + INFO_HASH_ENCODED, r));
            assertEquals(1, r.scrapeCount);
        }
    }

    @Test
    void shouldRequireInfoHashPeerIdAndPort() {
        HttpTrackerRequest r = request();
        assertEquals(MISSING_INFO_HASH, decode("/announce", r));
        assertEquals(MISSING_INFO_HASH, decode("/announce?peer_id=" + PEER_ID_ENCODED + "&port=1", r));
        assertEquals(MISSING_PEER_ID, decode("/announce?info_hash=" + INFO_HASH_ENCODED + "&port=1", r));
        assertEquals(MISSING_PORT, decode("/announce?info_hash=" + INFO_HASH_ENCODED + "&peer_id=" + PEER_ID_ENCODED, r));
    }

    @Test
    void shouldRefuseBadNumbers() {
        HttpTrackerRequest r = request();
        for (String port : new String[] {"0", "65536", "", "-1", "+1", "6881a", "99999999999999999999999"}) {
            assertEquals(BAD_PORT, decode(announce().replace("port=6881", "port=" + port), r), port);
        }
        assertEquals(OK, decode(announce().replace("port=6881", "port=65535"), r));
        assertEquals(65535, r.port);
        assertEquals(OK, decode(announce().replace("port=6881", "port=00001"), r));
        assertEquals(1, r.port);
        assertEquals(BAD_UPLOADED, decode(announce("&uploaded=-5"), r));
        assertEquals(BAD_DOWNLOADED, decode(announce("&downloaded="), r));
        assertEquals(BAD_LEFT, decode(announce("&left=1e6"), r));
        assertEquals(BAD_LEFT, decode(announce("&left"), r));
        assertEquals(BAD_NUMWANT, decode(announce("&numwant=lots"), r));
        assertEquals(BAD_NUMWANT, decode(announce("&numwant=-"), r));
        assertEquals(BAD_COMPACT, decode(announce("&compact=2"), r));
        assertEquals(BAD_COMPACT, decode(announce("&compact="), r));
    }

    @Test
    void shouldClampHugeNumbers() {
        HttpTrackerRequest r = request();
        assertEquals(OK, decode(announce("&left=9223372036854775807&uploaded=9223372036854775808"
            + "&downloaded=99999999999999999999999999999999&numwant=4294967296"), r));
        assertEquals(Long.MAX_VALUE, r.left);
        assertEquals(Long.MAX_VALUE, r.uploaded);
        assertEquals(Long.MAX_VALUE, r.downloaded);
        assertEquals(Integer.MAX_VALUE, r.numwant);
        assertEquals(OK, decode(announce("&numwant=-1"), r));
        assertEquals(-1, r.numwant);
        assertEquals(OK, decode(announce("&numwant=0&compact=0"), r));
        assertEquals(0, r.numwant);
        assertFalse(r.compact);
    }

    @Test
    void firstOccurrenceOfARepeatedParameterShouldWin() {
        HttpTrackerRequest r = request();
        assertEquals(OK, decode(announce("&port=1&left=10&left=0&event=stopped&event=bogus&info_hash=short"), r));
        assertEquals(6881, r.port);
        assertEquals(10, r.left);
        assertEquals(HttpTrackerRequest.EVENT_STOPPED, r.event);
        assertEquals(0x0123456789abcdefL, r.infoHash0);
        assertEquals(BAD_PORT, decode(announce().replace("port=6881", "port=0&port=6881"), r));
    }

    @Test
    void shouldTolerateUnknownAndValuelessParameters() {
        HttpTrackerRequest r = request();
        assertEquals(OK, decode(announce("&&trackerid=abc%zz&key=%&x&=y&unknown=%%%&supportcrypto=1&requirecrypto=1"), r));
        assertEquals(OK, decode(announce("&"), r));
        assertEquals(OK, decode(announce("&no_peer_id"), r));
        assertFalse(r.noPeerId);
        // names are matched as sent: an escaped name is an unknown parameter
        assertEquals(MISSING_INFO_HASH, decode(announce().replace("info_hash", "info%5Fhash"), r));
    }

    @Test
    void shouldDecodeInfoHashAndPeerIdBytesExactly() {
        HttpTrackerRequest r = request();
        // 20 unreserved bytes sent as themselves, '+' a literal 0x2B, lower and upper case hex
        String hash = "ABCDEFGHIJ+-._~%2b%2B%7e%7E%20";
        assertEquals(OK, decode(announce().replace(INFO_HASH_ENCODED, hash), r));
        byte[] expected = "ABCDEFGHIJ+-._~++~~ ".getBytes(StandardCharsets.US_ASCII);
        assertEquals(PercentDecoder.word0(expected), r.infoHash0);
        assertEquals(PercentDecoder.word1(expected), r.infoHash1);
        assertEquals(PercentDecoder.word2(expected), r.infoHash2);
        assertEquals(OK, decode(announce().replace(PEER_ID_ENCODED, "-TR3000-+++++%FF%FE%00%20+++"), r));
        assertArrayEquals(HexFormat.of().parseHex("2d5452333030302d" + "2b2b2b2b2b" + "fffe0020" + "2b2b2b"), r.peerId);
    }

    @Test
    void shouldRefuseMalformedPercentEncoding() {
        HttpTrackerRequest r = request();
        String nineteen = INFO_HASH_ENCODED.substring(0, INFO_HASH_ENCODED.length() - 1); // drops the last "g"
        assertEquals(BAD_INFO_HASH, decode(announce().replace(INFO_HASH_ENCODED, nineteen), r), "19 bytes");
        assertEquals(BAD_INFO_HASH, decode(announce().replace(INFO_HASH_ENCODED, INFO_HASH_ENCODED + "x"), r), "21 bytes");
        assertEquals(BAD_INFO_HASH, decode(announce().replace(INFO_HASH_ENCODED, INFO_HASH_ENCODED + "%00"), r), "21 bytes");
        assertEquals(BAD_INFO_HASH, decode(announce().replace(INFO_HASH_ENCODED, nineteen + "%"), r), "% at the end");
        assertEquals(BAD_INFO_HASH, decode(announce().replace(INFO_HASH_ENCODED, nineteen + "%4"), r), "%4 at the end");
        assertEquals(BAD_INFO_HASH, decode(announce().replace(INFO_HASH_ENCODED, nineteen + "%4&x=1"), r), "%4 before &");
        assertEquals(BAD_INFO_HASH, decode(announce().replace(INFO_HASH_ENCODED, nineteen + "%zz"), r), "bad hex");
        assertEquals(BAD_INFO_HASH, decode(announce().replace(INFO_HASH_ENCODED, nineteen + "%g0"), r), "bad hex");
        assertEquals(BAD_INFO_HASH, decode(announce().replace(INFO_HASH_ENCODED, ""), r), "empty");
        assertEquals(BAD_PEER_ID, decode(announce().replace(PEER_ID_ENCODED, "-lt2000-%0"), r));
        assertEquals(BAD_PEER_ID, decode(announce().replace(PEER_ID_ENCODED, PEER_ID_ENCODED + "%0A"), r));
    }

    @Test
    void everyByteShouldRoundTripThroughPercentEncoding() {
        HttpTrackerRequest r = request();
        for (int start = 0; start < 256; start += 20) {
            byte[] hash = new byte[20];
            StringBuilder upper = new StringBuilder();
            StringBuilder lower = new StringBuilder();
            for (int i = 0; i < 20; i++) {
                hash[i] = (byte) (start + i);
                upper.append(String.format("%%%02X", start + i & 0xFF));
                lower.append(String.format("%%%02x", start + i & 0xFF));
            }
            for (String encoded : new String[] {upper.toString(), lower.toString()}) {
                assertEquals(OK, decode(announce().replace(INFO_HASH_ENCODED, encoded), r));
                assertEquals(PercentDecoder.word0(hash), r.infoHash0);
                assertEquals(PercentDecoder.word1(hash), r.infoHash1);
                assertEquals(PercentDecoder.word2(hash), r.infoHash2);
                assertEquals(OK, decode(announce().replace(PEER_ID_ENCODED, encoded), r));
                assertArrayEquals(hash, r.peerId);
            }
        }
    }

    @Test
    void rawNonAsciiBytesShouldStandForThemselves() {
        // Some old clients send bytes >= 0x80 unescaped; they are the bytes they are.
        byte[] raw = new byte[20];
        for (int i = 0; i < 20; i++) raw[i] = (byte) (0x80 + i);
        String target = announce().replace(INFO_HASH_ENCODED, new String(raw, StandardCharsets.ISO_8859_1));
        HttpTrackerRequest r = request();
        assertEquals(OK, decode(target, r));
        assertEquals(PercentDecoder.word0(raw), r.infoHash0);
        assertEquals(PercentDecoder.word2(raw), r.infoHash2);
    }

    @Test
    void shouldParseClaimedAddresses() {
        HttpTrackerRequest r = request();
        assertEquals(OK, decode(announce("&ip=10.0.0.1"), r));
        assertTrue(r.hasIpv4);
        assertEquals(0x0a000001, r.ipv4);
        assertFalse(r.hasIpv6);

        assertEquals(OK, decode(announce("&ip=10.0.0.1&ipv4=192.168.1.2"), r));
        assertEquals(0xc0a80102, r.ipv4, "ipv4= wins over an earlier ip=");
        assertEquals(OK, decode(announce("&ipv4=192.168.1.2&ip=10.0.0.1"), r));
        assertEquals(0xc0a80102, r.ipv4, "ipv4= wins over a later ip=");
        assertEquals(OK, decode(announce("&ipv4=192.168.1.2%3A6881"), r));
        assertEquals(0xc0a80102, r.ipv4, "BEP 7 endpoint form");

        assertEquals(OK, decode(announce("&ip=%3A%3Affff%3A1.2.3.4"), r));
        assertTrue(r.hasIpv6);
        assertFalse(r.hasIpv4);
        assertEquals(0L, r.ipv6High);
        assertEquals(0x0000ffff01020304L, r.ipv6Low);

        assertEquals(OK, decode(announce("&ipv6=%5B2001:db8:0:0:1:0:0:1%5D%3A6881&ipv4=1.2.3.4"), r));
        assertEquals(0x20010db800000000L, r.ipv6High);
        assertEquals(0x0001000000000001L, r.ipv6Low);
        assertEquals(0x01020304, r.ipv4);

        // host names (BEP 3 allows them), garbage and the wrong family are ignored, not failures
        for (String bad : new String[] {"ip=tracker.example.org", "ip=", "ipv4=%zz", "ipv4=2001:db8::1", "ipv6=1.2.3.4",
                "ipv6=fe80::1%25eth0", "ip=" + "1".repeat(100)}) {
            assertEquals(OK, decode(announce("&" + bad), r), bad);
            assertFalse(r.hasIpv4 || r.hasIpv6, bad);
        }
    }

    @Test
    void shouldDecodeScrapeHashesInOrder() {
        HttpTrackerRequest r = request();
        String second = "%11".repeat(20);
        assertEquals(OK, decode("/scrape?info_hash=" + INFO_HASH_ENCODED + "&peer_id=ignored&info_hash=" + second
            + "&info_hash=" + INFO_HASH_ENCODED, r));
        assertEquals(HttpTrackerRequest.SCRAPE, r.kind);
        assertEquals(3, r.scrapeCount, "duplicates are kept; the encoder drops them");
        assertEquals(0x0123456789abcdefL, r.scrapeHashes[0]);
        assertEquals(0x0123456789abcdefL, r.scrapeHashes[1]);
        assertEquals(0x01234567L, r.scrapeHashes[2]);
        assertEquals(0x1111111111111111L, r.scrapeHashes[3]);
        assertEquals(0x11, r.scrapeHashByte(1, 19));
        assertEquals(0x01, r.scrapeHashByte(0, 0));
        assertEquals(0x67, r.scrapeHashByte(2, 19));
    }

    @Test
    void scrapeWithoutHashesIsAFullScrape() {
        HttpTrackerRequest r = request();
        assertEquals(OK, decode("/scrape", r));
        assertEquals(0, r.scrapeCount);
        assertEquals(OK, decode("/scrape?", r));
        assertEquals(OK, decode("/scrape?info_hashes=x&foo", r));
        assertEquals(0, r.scrapeCount);
    }

    @Test
    void shouldRefuseTooManyOrBadScrapeHashes() {
        HttpTrackerRequest r = new HttpTrackerRequest(2);
        String one = "&info_hash=" + INFO_HASH_ENCODED;
        assertEquals(OK, decode("/scrape?" + one.substring(1) + one, r));
        assertEquals(TOO_MANY_HASHES, decode("/scrape?" + one.substring(1) + one + one, r));
        assertEquals(BAD_INFO_HASH, decode("/scrape?info_hash=%zz", r));
        assertEquals(BAD_INFO_HASH, decode("/scrape?info_hash=", r));
    }

    @Test
    void shouldWriteScrapeHashesIntoACallersArea() {
        long[] area = new long[9];
        HttpTrackerRequest r = request();
        r.scrapeArea(area, 3);
        assertEquals(OK, decode("/scrape?info_hash=" + INFO_HASH_ENCODED, r));
        assertEquals(0x0123456789abcdefL, area[0]);
    }

    @Test
    void shouldRefuseARangeOutsideTheBuffer() {
        ByteBuf in = target("/announce");
        HttpTrackerRequest r = request();
        assertEquals(BAD_RANGE, HttpTrackerRequestDecoder.decode(in, -1, 5, r));
        assertEquals(BAD_RANGE, HttpTrackerRequestDecoder.decode(in, 5, 4, r));
        assertEquals(BAD_RANGE, HttpTrackerRequestDecoder.decode(in, 0, 100, r));
        in.release();
    }

    @Test
    void headerNamesShouldMatchInAnyCase() {
        byte[] in = "X-Forwarded-For: 1.2.3.4\r\nx-real-ip: 5.6.7.8\r\nCONNECTION: close\r\n"
            .getBytes(StandardCharsets.ISO_8859_1);
        assertTrue(HeaderNames.matches(in, 0, 15, HeaderNames.X_FORWARDED_FOR));
        assertTrue(HeaderNames.matches(in, 26, 9, HeaderNames.X_REAL_IP));
        assertTrue(HeaderNames.matches(in, 46, 10, HeaderNames.CONNECTION));
        assertFalse(HeaderNames.matches(in, 0, 14, HeaderNames.X_FORWARDED_FOR));
        assertFalse(HeaderNames.matches(in, 26, 9, HeaderNames.X_FORWARDED_FOR));
        byte[] near = "x\u001Dreal-ip".getBytes(StandardCharsets.ISO_8859_1); // 0x1D is not '-' folded, nor anything else
        assertFalse(HeaderNames.matches(near, 0, 9, HeaderNames.X_REAL_IP));
    }
}
