package trackerd.http.protocol;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Seeded, bounded random tests: no bytes make the decoder throw; requests built from random
 * valid fields decode back to those fields; replies built from random inputs are well-formed
 * bencode with sorted keys and decode back to their inputs.
 */
@Timeout(60)
class HttpCodecPropertyTest {
    private static final AnnounceIntervals INTERVALS = new AnnounceIntervals(1800, 900);
    static final String UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
    /** Bytes that make random targets interesting: structure, escapes, digits, key fragments. */
    static final byte[] ALPHABET = "%&=?/+-.:[]0123456789abcdefABCDEFxyz_ \u00ff".getBytes(StandardCharsets.ISO_8859_1);
    static final String[] PIECES = {"/announce?", "/scrape?", "info_hash=", "peer_id=", "port=", "left=", "event=",
        "numwant=", "compact=", "ip=", "ipv4=", "ipv6=", "uploaded=", "downloaded=", "no_peer_id=", "%", "&", "%4",
        "%zz", "%41", "::", "started", "paused", "1.2.3.4", "[::1]:1", "99999999999999999999"};

    @Test
    void decoderShouldNeverThrowOnRandomTargets() {
        Random random = new Random(20240601);
        HttpTrackerRequest r = new HttpTrackerRequest(4);
        for (int round = 0; round < 50_000; round++) {
            StringBuilder text = new StringBuilder();
            int parts = random.nextInt(12);
            for (int p = 0; p < parts; p++) {
                switch (random.nextInt(3)) {
                    case 0 -> text.append(PIECES[random.nextInt(PIECES.length)]);
                    case 1 -> text.append((char) (ALPHABET[random.nextInt(ALPHABET.length)] & 0xFF));
                    default -> {
                        for (int i = random.nextInt(30); i > 0; i--) text.append((char) random.nextInt(256));
                    }
                }
            }
            byte[] bytes = text.toString().getBytes(StandardCharsets.ISO_8859_1);
            ByteBuf in = Unpooled.wrappedBuffer(bytes);
            int from = bytes.length == 0 ? 0 : random.nextInt(bytes.length);
            int to = from + random.nextInt(bytes.length - from + 1);
            int status = HttpTrackerRequestDecoder.decode(in, from, to, r);
            assertTrue(status >= 0 && status < HttpTrackerRequestDecoder.STATUS_COUNT, "status " + status);
            if (status == HttpTrackerRequestDecoder.OK && r.kind == HttpTrackerRequest.ANNOUNCE) {
                assertTrue(r.port >= 1 && r.port <= 65535);
                assertTrue(r.numwant >= -1 && r.uploaded >= 0 && r.downloaded >= 0 && r.left >= -1);
            }
            if (r.kind == HttpTrackerRequest.SCRAPE) assertTrue(r.scrapeCount <= 4);
            // every length of the same bytes, from 0
            if (round % 100 == 0) {
                for (int length = 0; length <= bytes.length; length++) {
                    HttpTrackerRequestDecoder.decode(in, 0, length, r);
                }
            }
            in.release();
        }
    }

    /** Percent-encodes raw bytes the ways real clients do: escapes in either case, unreserved bytes (and '+') raw. */
    static String encode(byte[] bytes, Random random) {
        StringBuilder out = new StringBuilder();
        for (byte b : bytes) {
            char c = (char) (b & 0xFF);
            boolean literal = UNRESERVED.indexOf(c) >= 0 || c == '+';
            if (literal && random.nextBoolean()) {
                out.append(c);
            } else {
                out.append(String.format(random.nextBoolean() ? "%%%02X" : "%%%02x", b & 0xFF));
            }
        }
        return out.toString();
    }

    @Test
    void randomValidAnnouncesShouldDecodeToTheirFields() throws Exception {
        Random random = new Random(42);
        HttpTrackerRequest r = new HttpTrackerRequest(4);
        String[] events = {"", "started", "completed", "stopped", "paused"};
        int[] eventValues = {0, 2, 1, 3, 4};
        for (int round = 0; round < 5_000; round++) {
            byte[] hash = new byte[20];
            byte[] peerId = new byte[20];
            random.nextBytes(hash);
            random.nextBytes(peerId);
            if (random.nextBoolean()) Arrays.fill(peerId, 0, 8, (byte) '-'); // client prefixes are often literal
            int port = 1 + random.nextInt(65535);
            long uploaded = random.nextLong() & Long.MAX_VALUE;
            long downloaded = random.nextInt(3) == 0 ? 0 : random.nextLong() & Long.MAX_VALUE;
            long left = random.nextInt(3) == 0 ? 0 : (random.nextLong() & Long.MAX_VALUE) >>> random.nextInt(64);
            int event = random.nextInt(events.length);
            int numwant = random.nextInt(4) == 0 ? -1 : random.nextInt(1000);
            boolean compact = random.nextBoolean();
            byte[] v4 = new byte[4];
            byte[] v6 = new byte[16];
            random.nextBytes(v4);
            random.nextBytes(v6);
            boolean withV4 = random.nextBoolean();
            boolean withV6 = random.nextBoolean();

            List<String> params = new ArrayList<>();
            params.add("info_hash=" + encode(hash, random));
            params.add("peer_id=" + encode(peerId, random));
            params.add("port=" + port);
            params.add("uploaded=" + uploaded);
            params.add("downloaded=" + downloaded);
            params.add("left=" + left);
            if (event != 0 || random.nextBoolean()) params.add("event=" + events[event]);
            if (numwant >= 0) params.add("numwant=" + numwant);
            params.add("compact=" + (compact ? 1 : 0));
            params.add("key=" + Integer.toHexString(random.nextInt()));
            params.add("supportcrypto=1");
            if (withV4) params.add("ipv4=" + InetAddress.getByAddress(v4).getHostAddress());
            if (withV6) {
                String text = InetAddress.getByAddress(v6).getHostAddress(); // 8 full groups, Java style
                params.add("ipv6=" + (random.nextBoolean() ? text : encode(text.getBytes(StandardCharsets.US_ASCII), random)));
            }
            Collections.shuffle(params, random);
            String target = "/announce?" + String.join("&", params);

            ByteBuf in = Unpooled.wrappedBuffer(target.getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(HttpTrackerRequestDecoder.OK, HttpTrackerRequestDecoder.decode(in, 0, in.readableBytes(), r),
                target);
            in.release();
            assertEquals(PercentDecoder.word0(hash), r.infoHash0, target);
            assertEquals(PercentDecoder.word1(hash), r.infoHash1, target);
            assertEquals(PercentDecoder.word2(hash), r.infoHash2, target);
            assertArrayEquals(peerId, r.peerId, target);
            assertEquals(port, r.port);
            assertEquals(uploaded, r.uploaded);
            assertEquals(downloaded, r.downloaded);
            assertEquals(left, r.left);
            assertEquals(eventValues[event], r.event);
            assertEquals(numwant, r.numwant);
            assertEquals(compact, r.compact);
            assertEquals(withV4, r.hasIpv4);
            if (withV4) assertEquals(PercentDecoder.word2(concat16(v4)), r.ipv4);
            assertEquals(withV6, r.hasIpv6, target);
            if (withV6) {
                assertEquals(PercentDecoder.word0(pad20(v6)), r.ipv6High);
                assertEquals(PercentDecoder.word1(pad20(v6)), r.ipv6Low);
            }
        }
    }

    /** 4 bytes at the end of a 20-byte array, to read them back with word2. */
    static byte[] concat16(byte[] v4) {
        byte[] out = new byte[20];
        System.arraycopy(v4, 0, out, 16, 4);
        return out;
    }

    static byte[] pad20(byte[] v6) {
        return Arrays.copyOf(v6, 20);
    }

    @Test
    void randomScrapesShouldDecodeEveryHashInOrder() {
        Random random = new Random(7);
        HttpTrackerRequest r = new HttpTrackerRequest(10);
        for (int round = 0; round < 2_000; round++) {
            int count = random.nextInt(11);
            byte[][] hashes = new byte[count][20];
            StringBuilder target = new StringBuilder("/scrape");
            for (int i = 0; i < count; i++) {
                random.nextBytes(hashes[i]);
                target.append(i == 0 ? '?' : '&').append("info_hash=").append(encode(hashes[i], random));
            }
            ByteBuf in = Unpooled.wrappedBuffer(target.toString().getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(HttpTrackerRequestDecoder.OK, HttpTrackerRequestDecoder.decode(in, 0, in.readableBytes(), r));
            in.release();
            assertEquals(count, r.scrapeCount);
            for (int i = 0; i < count; i++) {
                for (int b = 0; b < 20; b++) assertEquals(hashes[i][b] & 0xFF, r.scrapeHashByte(i, b));
            }
        }
    }

    @Test
    void ipLiteralsShouldRoundTripThroughTheirTextForms() throws Exception {
        Random random = new Random(11);
        int[] groups = new int[8];
        long[] out = new long[2];
        for (int round = 0; round < 20_000; round++) {
            byte[] v6 = new byte[18];
            random.nextBytes(v6);
            for (int g = 0; g < 8; g++) if (random.nextInt(3) == 0) { v6[2 * g] = 0; v6[2 * g + 1] = 0; } // zero runs
            ByteBuf text = Unpooled.buffer();
            HttpTrackerResponseEncoder.writeIpv6Text(text, v6, 0);
            String compressed = text.toString(StandardCharsets.US_ASCII);
            text.release();
            String full = InetAddress.getByAddress(Arrays.copyOf(v6, 16)).getHostAddress();
            assertEquals(full, InetAddress.getByName(compressed).getHostAddress(), "RFC 5952 text is a valid address");
            for (String form : new String[] {compressed, full, "[" + compressed + "]:6881", compressed.toUpperCase()}) {
                byte[] b = form.getBytes(StandardCharsets.US_ASCII);
                assertTrue(IpLiterals.parseIpv6Endpoint(b, 0, b.length, groups, out), form);
                assertEquals(PercentDecoder.word0(pad20(v6)), out[0], form);
                assertEquals(PercentDecoder.word1(pad20(v6)), out[1], form);
            }
            byte[] v4 = Arrays.copyOf(v6, 4);
            byte[] dotted = InetAddress.getByAddress(v4).getHostAddress().getBytes(StandardCharsets.US_ASCII);
            assertEquals(PercentDecoder.word2(concat16(v4)), (int) IpLiterals.parseIpv4(dotted, 0, dotted.length));
        }
    }

    @Test
    void ipLiteralParsersShouldRefuseNearMisses() {
        int[] groups = new int[8];
        long[] out = new long[2];
        for (String bad : new String[] {"", ":", ":::", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1::2::3", "12345::",
                "1:2:3:4:5:6:7:8::", "::1:2:3:4:5:6:7:8", "g::", "1.2.3.4", "::1.2.3", "::1.2.3.256", "1:",
                "[::1", "[::1]x", "[::1]:", "[::1]:65536", "::1]", "fe80::1%eth0", "1:2:3:4:5:6:7:1.2.3.4"}) {
            byte[] b = bad.getBytes(StandardCharsets.US_ASCII);
            assertTrue(!IpLiterals.parseIpv6Endpoint(b, 0, b.length, groups, out), bad);
        }
        for (String good : new String[] {"::", "::1", "1::", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4",
                "::ffff:1.2.3.4", "[::]:0"}) {
            byte[] b = good.getBytes(StandardCharsets.US_ASCII);
            assertTrue(IpLiterals.parseIpv6Endpoint(b, 0, b.length, groups, out), good);
        }
        for (String bad : new String[] {"", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1..2.3", "1.2.3.4.",
                "a.b.c.d", "1.2.3.4:", "1.2.3.4:99999", " 1.2.3.4"}) {
            byte[] b = bad.getBytes(StandardCharsets.US_ASCII);
            assertEquals(-1, IpLiterals.parseIpv4Endpoint(b, 0, b.length), bad);
        }
        byte[] b = "0.0.0.0:0".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0, IpLiterals.parseIpv4Endpoint(b, 0, b.length));
        b = "255.255.255.255".getBytes(StandardCharsets.US_ASCII);
        assertEquals(0xFFFFFFFFL, IpLiterals.parseIpv4Endpoint(b, 0, b.length));
    }

    // ---------------------------------------------------------------- encoder side

    @Test
    void randomRepliesShouldBeSortedBencodeThatDecodesToTheirInputs() {
        Random random = new Random(99);
        UnpooledByteBufAllocator alloc = UnpooledByteBufAllocator.DEFAULT;
        // few rounds: paranoid leak detection records every access to a tracked buffer
        for (int round = 0; round < 300; round++) {
            boolean ipv6 = random.nextBoolean();
            int stride = ipv6 ? 18 : 6;
            int count = random.nextInt(60);
            byte[] peers = new byte[count * stride];
            random.nextBytes(peers);
            int seeders = random.nextInt(Integer.MAX_VALUE);
            int completed = random.nextInt(1000);
            int leechers = random.nextInt(10);
            ByteBuf compact = HttpTrackerResponseEncoder.encodeAnnounce(alloc, seeders, completed, leechers, INTERVALS,
                peers, count, ipv6);
            Map<String, Object> reply = dict(compact);
            assertEquals((long) seeders, reply.get("complete"));
            assertEquals((long) completed, reply.get("downloaded"));
            assertEquals((long) leechers, reply.get("incomplete"));
            assertEquals(1800L, reply.get("interval"));
            assertEquals(900L, reply.get("min interval"));
            assertArrayEquals(peers, (byte[]) reply.get(ipv6 ? "peers6" : "peers"));

            ByteBuf legacy = HttpTrackerResponseEncoder.encodeAnnounceNonCompact(alloc, seeders, completed, leechers,
                INTERVALS, peers, count, ipv6);
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) dict(legacy).get("peers");
            assertEquals(count, list.size());
            for (int p = 0; p < count; p++) {
                @SuppressWarnings("unchecked")
                Map<String, Object> peer = (Map<String, Object>) list.get(p);
                byte[] address = Arrays.copyOfRange(peers, p * stride, p * stride + stride - 2);
                String ip = new String((byte[]) peer.get("ip"), StandardCharsets.US_ASCII);
                try {
                    assertArrayEquals(address, InetAddress.getByName(ip).getAddress(), ip);
                } catch (java.net.UnknownHostException e) {
                    throw new AssertionError(ip, e);
                }
                assertEquals((long) ((peers[p * stride + stride - 2] & 0xFF) << 8 | peers[p * stride + stride - 1] & 0xFF),
                    peer.get("port"));
            }

            int hashes = random.nextInt(8);
            long[] scrapeHashes = new long[hashes * 3];
            int[] results = new int[hashes * 3];
            for (int i = 0; i < scrapeHashes.length; i++) {
                scrapeHashes[i] = random.nextInt(4) == 0 ? 0 : random.nextLong(); // zeros make shared prefixes
                if (i % 3 == 2) scrapeHashes[i] &= 0xFFFFFFFFL;
                results[i] = random.nextInt(100_000);
            }
            if (hashes > 1 && random.nextBoolean()) System.arraycopy(scrapeHashes, 0, scrapeHashes, 3, 3); // a duplicate
            ByteBuf scrape = HttpTrackerResponseEncoder.encodeScrape(alloc, scrapeHashes, results, hashes, new int[hashes]);
            @SuppressWarnings("unchecked")
            Map<String, Object> files = (Map<String, Object>) dict(scrape).get("files");
            for (int i = 0; i < hashes; i++) {
                ByteBuf key = Unpooled.buffer(20).writeLong(scrapeHashes[i * 3]).writeLong(scrapeHashes[i * 3 + 1])
                    .writeInt((int) scrapeHashes[i * 3 + 2]);
                @SuppressWarnings("unchecked")
                Map<String, Object> file = (Map<String, Object>) files.get(key.toString(StandardCharsets.ISO_8859_1));
                key.release();
                int first = firstIndexOf(scrapeHashes, i); // a duplicate reports the first occurrence's counts
                assertEquals((long) results[first * 3], file.get("complete"));
                assertEquals((long) results[first * 3 + 1], file.get("downloaded"));
                assertEquals((long) results[first * 3 + 2], file.get("incomplete"));
            }
        }
    }

    static int firstIndexOf(long[] hashes, int i) {
        for (int j = 0; j < i; j++) {
            if (hashes[j * 3] == hashes[i * 3] && hashes[j * 3 + 1] == hashes[i * 3 + 1]
                    && hashes[j * 3 + 2] == hashes[i * 3 + 2]) return j;
        }
        return i;
    }

    /** Decodes a whole buffer as one bencoded dict, checking it is exactly sized, then releases it. */
    static Map<String, Object> dict(ByteBuf buf) {
        try {
            assertEquals(buf.capacity(), buf.readableBytes(), "exactly sized");
            byte[] bytes = new byte[buf.readableBytes()];
            buf.getBytes(0, bytes);
            int[] at = {0};
            @SuppressWarnings("unchecked")
            Map<String, Object> value = (Map<String, Object>) TinyBencode.value(bytes, at);
            assertEquals(bytes.length, at[0], "trailing bytes");
            return value;
        } finally {
            buf.release();
        }
    }

    /** A strict bencode reader for the tests: dict keys must be unique and sorted by raw bytes. */
    static final class TinyBencode {
        static Object value(byte[] b, int[] at) {
            byte c = b[at[0]];
            if (c == 'i') {
                int end = indexOf(b, (byte) 'e', ++at[0]);
                long v = Long.parseLong(new String(b, at[0], end - at[0], StandardCharsets.US_ASCII));
                at[0] = end + 1;
                return v;
            }
            if (c == 'l') {
                at[0]++;
                List<Object> list = new ArrayList<>();
                while (b[at[0]] != 'e') list.add(value(b, at));
                at[0]++;
                return list;
            }
            if (c == 'd') {
                at[0]++;
                Map<String, Object> map = new LinkedHashMap<>();
                String previous = null;
                while (b[at[0]] != 'e') {
                    String key = new String(string(b, at), StandardCharsets.ISO_8859_1);
                    if (previous != null) assertTrue(previous.compareTo(key) < 0, "keys sorted and unique: " + key);
                    previous = key;
                    map.put(key, value(b, at));
                }
                at[0]++;
                return map;
            }
            return string(b, at);
        }

        static byte[] string(byte[] b, int[] at) {
            int colon = indexOf(b, (byte) ':', at[0]);
            int length = Integer.parseInt(new String(b, at[0], colon - at[0], StandardCharsets.US_ASCII));
            byte[] s = Arrays.copyOfRange(b, colon + 1, colon + 1 + length);
            at[0] = colon + 1 + length;
            return s;
        }

        static int indexOf(byte[] b, byte value, int from) {
            for (int i = from; i < b.length; i++) if (b[i] == value) return i;
            throw new AssertionError("missing '" + (char) value + "'");
        }
    }
}
