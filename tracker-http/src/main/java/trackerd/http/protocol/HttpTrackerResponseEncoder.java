package trackerd.http.protocol;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Bencodes announce and scrape replies (BEP 3, 7, 23, 48) into exactly sized buffers: each
 * {@code write*} has a {@code *Length} twin, so a server can put headers and body into one
 * buffer, and each {@code encode*} allocates {@code length} bytes from the allocator given (a
 * pooled one in the server) and writes. Keys are constants with the neighbouring bencode
 * punctuation folded in; integers go out digit by digit. No allocation besides the buffer.
 *
 * <p>Announce reply, keys in bencode's byte order:
 * <pre>
 * d 8:complete i&lt;seeders&gt;e  10:downloaded i&lt;completed&gt;e  10:incomplete i&lt;leechers&gt;e
 *   8:interval i&lt;s&gt;e  12:min interval i&lt;s&gt;e
 *   IPv4 requester:  5:peers &lt;6n&gt;:&lt;4-byte address, 2-byte port&gt;...              (BEP 23)
 *   IPv6 requester:  5:peers 0:  6:peers6 &lt;18n&gt;:&lt;16-byte address, 2-byte port&gt;... (BEP 7)
 * e
 * </pre>
 * An IPv6 requester also gets an empty {@code peers}: some clients treat a reply without
 * {@code peers} as malformed, and 9 bytes are cheap. An IPv4 requester gets no {@code peers6}
 * (it is only ever handed peers of its own family). With {@code compact=0}, {@code peers} is a list
 * of {@code d2:ip<len>:<text>4:porti<port>ee} (no {@code peer id}: the store keeps none), IPv6
 * addresses in RFC 5952 text.
 *
 * <p>Peers come in BEP 15's compact form, as the swarm hands them over: 6 bytes (IPv4 address,
 * port, big-endian) or 18 bytes (IPv6) each, back to back in a {@code byte[]}.
 *
 * <p>Stateless and thread-safe.
 */
public final class HttpTrackerResponseEncoder {
    private static final byte[] COMPLETE = Bencode.ascii("d8:completei");
    private static final byte[] DOWNLOADED = Bencode.ascii("e10:downloadedi");
    private static final byte[] INCOMPLETE = Bencode.ascii("e10:incompletei");
    private static final byte[] EMPTY_PEERS_THEN_PEERS6 = Bencode.ascii("0:6:peers6");
    private static final byte[] PEER_IP = Bencode.ascii("d2:ip");
    private static final byte[] PEER_PORT = Bencode.ascii("4:porti");
    private static final byte[] END_PEER = Bencode.ascii("ee");
    private static final byte[] FILES = Bencode.ascii("d5:filesd");
    private static final byte[] HASH_PREFIX = Bencode.ascii("20:");
    private static final byte[] END_FILE = Bencode.ascii("ee");
    private static final byte[] END_FILES = Bencode.ascii("ee");

    /** Bytes per peer in the compact forms. */
    public static final int IPV4_PEER_BYTES = 6;
    public static final int IPV6_PEER_BYTES = 18;

    private static final byte[] HEX_DIGITS = Bencode.ascii("0123456789abcdef");

    private HttpTrackerResponseEncoder() {}

    // ---------------------------------------------------------------- announce, compact

    /** Bytes of {@link #writeAnnounce}. */
    public static int announceLength(int seeders, int completed, int leechers, AnnounceIntervals intervals,
                                     int peerCount, boolean ipv6) {
        int peerBytes = peerCount * (ipv6 ? IPV6_PEER_BYTES : IPV4_PEER_BYTES);
        return countsLength(seeders, completed, leechers, intervals) + (ipv6 ? EMPTY_PEERS_THEN_PEERS6.length : 0)
            + Bencode.stringPrefixLength(peerBytes) + peerBytes + 1;
    }

    /**
     * Writes a compact announce reply: {@code peers} (6 bytes per peer) for an IPv4 requester, or
     * an empty {@code peers} and {@code peers6} (18 bytes per peer) for an IPv6 one.
     *
     * @param peers {@code peerCount} peers of the requester's family in compact form from offset 0
     */
    public static void writeAnnounce(ByteBuf out, int seeders, int completed, int leechers,
                                     AnnounceIntervals intervals, byte[] peers, int peerCount, boolean ipv6) {
        writeCounts(out, seeders, completed, leechers, intervals);
        if (ipv6) out.writeBytes(EMPTY_PEERS_THEN_PEERS6);
        int peerBytes = peerCount * (ipv6 ? IPV6_PEER_BYTES : IPV4_PEER_BYTES);
        Bencode.writeStringPrefix(out, peerBytes);
        out.writeBytes(peers, 0, peerBytes);
        out.writeByte('e');
    }

    /** {@link #writeAnnounce} into a buffer of exactly {@link #announceLength} bytes. */
    public static ByteBuf encodeAnnounce(ByteBufAllocator alloc, int seeders, int completed, int leechers,
                                         AnnounceIntervals intervals, byte[] peers, int peerCount, boolean ipv6) {
        int length = announceLength(seeders, completed, leechers, intervals, peerCount, ipv6);
        ByteBuf out = alloc.buffer(length, length);
        writeAnnounce(out, seeders, completed, leechers, intervals, peers, peerCount, ipv6);
        return out;
    }

    // ---------------------------------------------------------------- announce, compact=0

    /** Bytes of {@link #writeAnnounceNonCompact}. */
    public static int announceNonCompactLength(int seeders, int completed, int leechers,
                                               AnnounceIntervals intervals, byte[] peers, int peerCount, boolean ipv6) {
        int length = countsLength(seeders, completed, leechers, intervals) + 2 /* l...e */ + 1;
        int stride = ipv6 ? IPV6_PEER_BYTES : IPV4_PEER_BYTES;
        for (int p = 0; p < peerCount; p++) {
            int at = p * stride;
            int textLength = ipv6 ? ipv6TextLength(peers, at) : ipv4TextLength(peers, at);
            length += PEER_IP.length + Bencode.stringPrefixLength(textLength) + textLength + PEER_PORT.length
                + Bencode.decimalLength(port(peers, at + stride - 2)) + END_PEER.length;
        }
        return length;
    }

    /**
     * Writes a BEP 3 (non-compact) announce reply: {@code peers} as a list of
     * {@code {ip: text, port: int}} dicts. This is the rare legacy path: addresses become text,
     * still with no String.
     */
    public static void writeAnnounceNonCompact(ByteBuf out, int seeders, int completed, int leechers,
                                               AnnounceIntervals intervals, byte[] peers, int peerCount,
                                               boolean ipv6) {
        writeCounts(out, seeders, completed, leechers, intervals);
        out.writeByte('l');
        int stride = ipv6 ? IPV6_PEER_BYTES : IPV4_PEER_BYTES;
        for (int p = 0; p < peerCount; p++) {
            int at = p * stride;
            out.writeBytes(PEER_IP);
            if (ipv6) {
                Bencode.writeStringPrefix(out, ipv6TextLength(peers, at));
                writeIpv6Text(out, peers, at);
            } else {
                Bencode.writeStringPrefix(out, ipv4TextLength(peers, at));
                writeIpv4Text(out, peers, at);
            }
            out.writeBytes(PEER_PORT);
            Bencode.writeDecimal(out, port(peers, at + stride - 2));
            out.writeBytes(END_PEER);
        }
        out.writeByte('e'); // list
        out.writeByte('e'); // dict
    }

    /** {@link #writeAnnounceNonCompact} into a buffer of exactly its length. */
    public static ByteBuf encodeAnnounceNonCompact(ByteBufAllocator alloc, int seeders, int completed, int leechers,
                                                   AnnounceIntervals intervals, byte[] peers, int peerCount,
                                                   boolean ipv6) {
        int length = announceNonCompactLength(seeders, completed, leechers, intervals, peers, peerCount, ipv6);
        ByteBuf out = alloc.buffer(length, length);
        writeAnnounceNonCompact(out, seeders, completed, leechers, intervals, peers, peerCount, ipv6);
        return out;
    }

    private static int countsLength(int seeders, int completed, int leechers, AnnounceIntervals intervals) {
        return COMPLETE.length + Bencode.decimalLength(seeders)
            + DOWNLOADED.length + Bencode.decimalLength(completed)
            + INCOMPLETE.length + Bencode.decimalLength(leechers)
            + intervals.bytes().length;
    }

    /** Everything up to the {@code peers} key, included: its value follows. */
    private static void writeCounts(ByteBuf out, int seeders, int completed, int leechers,
                                    AnnounceIntervals intervals) {
        out.writeBytes(COMPLETE);
        Bencode.writeDecimal(out, seeders);
        out.writeBytes(DOWNLOADED);
        Bencode.writeDecimal(out, completed);
        out.writeBytes(INCOMPLETE);
        Bencode.writeDecimal(out, leechers);
        out.writeBytes(intervals.bytes());
    }

    private static int port(byte[] peers, int at) {
        return (peers[at] & 0xFF) << 8 | (peers[at + 1] & 0xFF);
    }

    static int ipv4TextLength(byte[] peers, int at) {
        return 3 + Bencode.decimalLength(peers[at] & 0xFF) + Bencode.decimalLength(peers[at + 1] & 0xFF)
            + Bencode.decimalLength(peers[at + 2] & 0xFF) + Bencode.decimalLength(peers[at + 3] & 0xFF);
    }

    static void writeIpv4Text(ByteBuf out, byte[] peers, int at) {
        for (int i = 0; i < 4; i++) {
            if (i > 0) out.writeByte('.');
            Bencode.writeDecimal(out, peers[at + i] & 0xFF);
        }
    }

    /**
     * RFC 5952: lower-case hex, no leading zeros, the longest run of two or more zero groups
     * (the first if tied) as "::". The run is packed as start &lt;&lt; 8 | length, -1 if none.
     */
    private static int longestZeroRun(byte[] peers, int at) {
        int bestStart = -1;
        int bestLength = 1; // a single zero group is not compressed
        int runStart = -1;
        for (int g = 0; g <= 8; g++) {
            boolean zero = g < 8 && group(peers, at, g) == 0;
            if (zero) {
                if (runStart < 0) runStart = g;
            } else if (runStart >= 0) {
                if (g - runStart > bestLength) {
                    bestStart = runStart;
                    bestLength = g - runStart;
                }
                runStart = -1;
            }
        }
        return bestStart < 0 ? -1 : bestStart << 8 | bestLength;
    }

    private static int group(byte[] peers, int at, int g) {
        return (peers[at + 2 * g] & 0xFF) << 8 | (peers[at + 2 * g + 1] & 0xFF);
    }

    private static int hexLength(int group) {
        return group < 0x10 ? 1 : group < 0x100 ? 2 : group < 0x1000 ? 3 : 4;
    }

    static int ipv6TextLength(byte[] peers, int at) {
        int run = longestZeroRun(peers, at);
        int runStart = run < 0 ? 9 : run >>> 8;
        int runEnd = run < 0 ? 9 : runStart + (run & 0xFF);
        int length = 0;
        for (int g = 0; g < 8; g++) {
            if (g >= runStart && g < runEnd) continue;
            length += hexLength(group(peers, at, g));
        }
        if (run < 0) return length + 7;
        // "::" plus a ':' between each pair of neighbouring groups on either side of it
        int before = runStart;
        int after = 8 - runEnd;
        return length + 2 + Math.max(0, before - 1) + Math.max(0, after - 1);
    }

    static void writeIpv6Text(ByteBuf out, byte[] peers, int at) {
        int run = longestZeroRun(peers, at);
        int runStart = run < 0 ? 9 : run >>> 8;
        int runEnd = run < 0 ? 9 : runStart + (run & 0xFF);
        for (int g = 0; g < 8; g++) {
            if (g == runStart) {
                out.writeByte(':');
                out.writeByte(':');
                g = runEnd - 1;
                continue;
            }
            if (g > 0 && g != runEnd) out.writeByte(':');
            int value = group(peers, at, g);
            for (int shift = 4 * (hexLength(value) - 1); shift >= 0; shift -= 4) {
                out.writeByte(HEX_DIGITS[(value >>> shift) & 0xF]);
            }
        }
    }

    // ---------------------------------------------------------------- scrape

    /**
     * Sorts scrape hash indexes into bencode key order (unsigned byte order of the 20 bytes,
     * which is unsigned order of h0, then h1, then h2) and drops duplicates, as a dict's keys must
     * be unique. Insertion sort: scrapes carry few hashes, and it needs no allocation.
     *
     * @param hashes three longs per hash: h0, h1, h2 (the int as a long; its low 32 bits count)
     * @param order scratch of at least {@code count} ints; receives the indexes to write
     * @return how many of {@code order} to write
     */
    public static int sortScrape(long[] hashes, int count, int[] order) {
        int n = 0;
        for (int i = 0; i < count; i++) {
            int j = n;
            int cmp = 1;
            while (j > 0 && (cmp = compare(hashes, order[j - 1], i)) > 0) j--;
            if (j > 0 && cmp == 0) continue; // duplicate of order[j - 1]
            System.arraycopy(order, j, order, j + 1, n - j);
            order[j] = i;
            n++;
        }
        return n;
    }

    private static int compare(long[] hashes, int a, int b) {
        int c = Long.compareUnsigned(hashes[a * 3], hashes[b * 3]);
        if (c != 0) return c;
        c = Long.compareUnsigned(hashes[a * 3 + 1], hashes[b * 3 + 1]);
        if (c != 0) return c;
        return Integer.compareUnsigned((int) hashes[a * 3 + 2], (int) hashes[b * 3 + 2]);
    }

    /**
     * Bytes of {@link #writeScrape}.
     *
     * @param results three ints per hash, by request index: seeders, completed, leechers (the
     *     hand-off slot's layout)
     * @param order {@code unique} indexes from {@link #sortScrape}
     */
    public static int scrapeLength(int[] results, int[] order, int unique) {
        int length = FILES.length + END_FILES.length;
        for (int k = 0; k < unique; k++) {
            int r = order[k] * 3;
            length += HASH_PREFIX.length + 20 + COMPLETE.length + Bencode.decimalLength(results[r])
                + DOWNLOADED.length + Bencode.decimalLength(results[r + 1])
                + INCOMPLETE.length + Bencode.decimalLength(results[r + 2]) + END_FILE.length;
        }
        return length;
    }

    /**
     * Writes a BEP 48 scrape reply,
     * {@code d5:filesd 20:<hash> d8:completei<seeders>e10:downloadedi<completed>e10:incompletei<leechers>ee ... ee},
     * hashes in the order {@link #sortScrape} gave. No hashes gives {@code d5:filesdee}.
     */
    public static void writeScrape(ByteBuf out, long[] hashes, int[] results, int[] order, int unique) {
        out.writeBytes(FILES);
        for (int k = 0; k < unique; k++) {
            int i = order[k];
            out.writeBytes(HASH_PREFIX);
            out.writeLong(hashes[i * 3]).writeLong(hashes[i * 3 + 1]).writeInt((int) hashes[i * 3 + 2]);
            out.writeBytes(COMPLETE);
            Bencode.writeDecimal(out, results[i * 3]);
            out.writeBytes(DOWNLOADED);
            Bencode.writeDecimal(out, results[i * 3 + 1]);
            out.writeBytes(INCOMPLETE);
            Bencode.writeDecimal(out, results[i * 3 + 2]);
            out.writeBytes(END_FILE);
        }
        out.writeBytes(END_FILES);
    }

    /**
     * Sorts, sizes and writes a scrape reply into an exactly sized buffer.
     *
     * @param order scratch of at least {@code count} ints
     */
    public static ByteBuf encodeScrape(ByteBufAllocator alloc, long[] hashes, int[] results, int count, int[] order) {
        int unique = sortScrape(hashes, count, order);
        int length = scrapeLength(results, order, unique);
        ByteBuf out = alloc.buffer(length, length);
        writeScrape(out, hashes, results, order, unique);
        return out;
    }
}
