package trackerd.http.protocol;

import io.netty.buffer.ByteBuf;
import trackerd.net.ByteScan;

/**
 * Decodes the request target of an HTTP tracker {@code GET} ({@code /announce?info_hash=...},
 * {@code /scrape?info_hash=...}, BEP 3, 7, 23, 48) from a {@link ByteBuf} (copied once into the
 * request's reused array) into a reused {@link HttpTrackerRequest}: byte scans and digits parsed
 * in place, no String, no allocation.
 * Never throws on any bytes: every problem is a status the caller counts and answers with
 * {@link HttpFailures#forStatus}.
 *
 * <p>Choices where the BEPs are silent:
 * <ul>
 * <li>Paths: {@code /announce}, {@code /scrape}, {@code /health}, each also with one trailing
 *     slash (a pasted URL often has one, and it costs nothing); anything else is
 *     {@link HttpTrackerRequest#NOT_FOUND}. Passkey paths are not recognised. An absolute-form
 *     target ({@code http://host:6969/announce?...}, RFC 9112 3.2.2: a server must accept it,
 *     though only a client talking to a proxy sends it) is read from the path after its
 *     authority; the host in it is not checked.</li>
 * <li>A repeated announce parameter: the first occurrence wins and later ones are skipped
 *     unread (so a bad later duplicate does not fail the request). In a scrape every
 *     {@code info_hash} counts (BEP 48).</li>
 * <li>{@code info_hash}, {@code peer_id}: see {@link PercentDecoder} ({@code +} is the byte 0x2B);
 *     exactly 20 bytes.</li>
 * <li>{@code port} 1-65535 (0 is refused, as over UDP). {@code uploaded}, {@code downloaded},
 *     {@code left}: decimal digits only; a value beyond {@code Long.MAX_VALUE} is clamped to it
 *     (only a broken client sends one, and the value is still "more than zero"); a sign, an empty
 *     value or any other byte is a failure. {@code uploaded}/{@code downloaded} may be absent;
 *     {@code left} absent is -1.</li>
 * <li>{@code event}: {@code started}, {@code completed}, {@code stopped}, {@code paused} (BEP 21),
 *     empty or {@code empty} (BEP 3 spells "none" so); anything else fails.</li>
 * <li>{@code numwant}: digits (clamped to {@code Integer.MAX_VALUE}); a negative number means the
 *     default (-1), as BEP 15's -1 does; anything else fails.</li>
 * <li>{@code compact}: {@code 0} or {@code 1}, else a failure. {@code no_peer_id=1} is read and
 *     has no effect on the wire (the store keeps no peer ids).</li>
 * <li>{@code ip}, {@code ipv4}, {@code ipv6}: an unparsable value (a host name, which BEP 3
 *     allows) is ignored, never a failure, since the server trusts them only when configured to.</li>
 * <li>{@code key}, {@code trackerid}, {@code supportcrypto}, {@code corrupt}, {@code redundant}
 *     and every unknown parameter: skipped. Parameter names are matched as sent (not decoded).</li>
 * </ul>
 * Stateless and thread-safe; the request object is not.
 */
public final class HttpTrackerRequestDecoder {
    public static final int OK = 0;
    /** The path is none of ours (kind {@link HttpTrackerRequest#NOT_FOUND}): answer 404. */
    public static final int NOT_FOUND = 1;
    /** The index range given is not inside the buffer: a caller bug, still not an exception. */
    public static final int BAD_RANGE = 2;
    public static final int MISSING_INFO_HASH = 3;
    public static final int BAD_INFO_HASH = 4;
    public static final int MISSING_PEER_ID = 5;
    public static final int BAD_PEER_ID = 6;
    public static final int MISSING_PORT = 7;
    public static final int BAD_PORT = 8;
    public static final int BAD_UPLOADED = 9;
    public static final int BAD_DOWNLOADED = 10;
    public static final int BAD_LEFT = 11;
    public static final int BAD_EVENT = 12;
    public static final int BAD_NUMWANT = 13;
    public static final int BAD_COMPACT = 14;
    /** A scrape with more info hashes than {@link HttpTrackerRequest#maxScrapeHashes}. */
    public static final int TOO_MANY_HASHES = 15;
    /** One past the largest status: size per-status counter arrays with it. */
    public static final int STATUS_COUNT = 16;

    // One bit per announce parameter, for first-wins.
    private static final int P_INFO_HASH = 1;
    private static final int P_PEER_ID = 1 << 1;
    private static final int P_PORT = 1 << 2;
    private static final int P_UPLOADED = 1 << 3;
    private static final int P_DOWNLOADED = 1 << 4;
    private static final int P_LEFT = 1 << 5;
    private static final int P_EVENT = 1 << 6;
    private static final int P_NUMWANT = 1 << 7;
    private static final int P_COMPACT = 1 << 8;
    private static final int P_NO_PEER_ID = 1 << 9;
    private static final int P_IP = 1 << 10;
    private static final int P_IPV4 = 1 << 11;
    private static final int P_IPV6 = 1 << 12;

    private static final byte[] PATH_ANNOUNCE = Bencode.ascii("/announce");
    private static final byte[] PATH_SCRAPE = Bencode.ascii("/scrape");
    private static final byte[] PATH_HEALTH = Bencode.ascii("/health");

    private static final byte[] INFO_HASH = Bencode.ascii("info_hash");
    private static final byte[] PEER_ID = Bencode.ascii("peer_id");
    private static final byte[] PORT = Bencode.ascii("port");
    private static final byte[] UPLOADED = Bencode.ascii("uploaded");
    private static final byte[] DOWNLOADED = Bencode.ascii("downloaded");
    private static final byte[] LEFT = Bencode.ascii("left");
    private static final byte[] EVENT = Bencode.ascii("event");
    private static final byte[] NUMWANT = Bencode.ascii("numwant");
    private static final byte[] COMPACT = Bencode.ascii("compact");
    private static final byte[] NO_PEER_ID = Bencode.ascii("no_peer_id");
    private static final byte[] IP = Bencode.ascii("ip");
    private static final byte[] IPV4 = Bencode.ascii("ipv4");
    private static final byte[] IPV6 = Bencode.ascii("ipv6");

    private static final byte[] STARTED = Bencode.ascii("started");
    private static final byte[] COMPLETED = Bencode.ascii("completed");
    private static final byte[] STOPPED = Bencode.ascii("stopped");
    private static final byte[] PAUSED = Bencode.ascii("paused");
    private static final byte[] EMPTY = Bencode.ascii("empty");

    private HttpTrackerRequestDecoder() {}

    /**
     * Decodes the request target in bytes {@code [from, to)} of {@code in} (from the {@code /} of
     * the path up to, not including, the space before {@code HTTP/1.1}) into {@code out}. Reads
     * with absolute gets: the buffer's indexes are not moved. The target is copied once into the
     * request's reused scratch array and parsed there: per-byte {@code ByteBuf.getByte} calls
     * (each bounds-checked) cost three times as much as the copy and an array scan together.
     *
     * @return {@link #OK} or another status constant of this class; {@code out.kind} is set
     *     whenever the path was read
     */
    public static int decode(ByteBuf in, int from, int to, HttpTrackerRequest out) {
        if (from < 0 || from > to || to > in.capacity()) {
            out.reset();
            return BAD_RANGE;
        }
        byte[] target = out.target(to - from);
        in.getBytes(from, target, 0, to - from);
        return decode(target, 0, to - from, out);
    }

    /** {@link #decode(ByteBuf, int, int, HttpTrackerRequest)} on bytes {@code [from, to)} of an array. */
    public static int decode(byte[] in, int from, int to, HttpTrackerRequest out) {
        out.reset();
        if (from < 0 || from > to || to > in.length) return BAD_RANGE;
        if (from < to && in[from] != '/') from = absolutePath(in, from, to);
        int query = indexOf(in, from, to, (byte) '?');
        int pathEnd = query < 0 ? to : query;
        int queryStart = query < 0 ? to : query + 1;
        if (isPath(in, from, pathEnd, PATH_ANNOUNCE)) {
            out.kind = HttpTrackerRequest.ANNOUNCE;
            return decodeAnnounce(in, queryStart, to, out);
        }
        if (isPath(in, from, pathEnd, PATH_SCRAPE)) {
            out.kind = HttpTrackerRequest.SCRAPE;
            return decodeScrape(in, queryStart, to, out);
        }
        if (isPath(in, from, pathEnd, PATH_HEALTH)) {
            out.kind = HttpTrackerRequest.HEALTH;
            return OK;
        }
        out.kind = HttpTrackerRequest.NOT_FOUND;
        return NOT_FOUND;
    }

    /**
     * Where the path of an absolute-form target ({@code scheme://authority/path?query}, RFC 9112
     * 3.2.2) starts, or {@code from} when the target is not one (it then reads as an unknown path).
     * An absolute-form target without a path ({@code http://host?x}) also reads as unknown.
     */
    private static int absolutePath(byte[] in, int from, int to) {
        int colon = indexOf(in, from, to, (byte) ':');
        if (colon <= from || colon + 2 >= to || in[colon + 1] != '/' || in[colon + 2] != '/') return from;
        for (int i = from; i < colon; i++) {
            byte b = in[i];
            // RFC 3986 scheme: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )
            boolean letter = (b | 0x20) >= 'a' && (b | 0x20) <= 'z';
            if (!letter && (i == from || !((b >= '0' && b <= '9') || b == '+' || b == '-' || b == '.'))) return from;
        }
        for (int i = colon + 3; i < to; i++) {
            if (in[i] == '/') return i;
            if (in[i] == '?') return from;
        }
        return from;
    }

    private static int indexOf(byte[] in, int from, int to, byte b) {
        return ByteScan.indexOf(in, from, to, b);
    }

    /** The path, with or without one trailing slash. */
    private static boolean isPath(byte[] in, int from, int to, byte[] path) {
        int length = to - from;
        if (length == path.length + 1 && in[to - 1] == '/') length--;
        return length == path.length && equals(in, from, length, path);
    }

    private static int decodeAnnounce(byte[] in, int from, int to, HttpTrackerRequest out) {
        int start = from;
        while (start < to) {
            int amp = indexOf(in, start, to, (byte) '&');
            int end = amp < 0 ? to : amp;
            int status = announceParameter(in, start, end, out);
            if (status != OK) return status;
            start = end + 1;
        }
        int seen = out.seen;
        if ((seen & P_INFO_HASH) == 0) return MISSING_INFO_HASH;
        if ((seen & P_PEER_ID) == 0) return MISSING_PEER_ID;
        if ((seen & P_PORT) == 0) return MISSING_PORT;
        return OK;
    }

    /** One {@code name=value} (or bare {@code name}) in {@code [from, to)}. */
    private static int announceParameter(byte[] in, int from, int to, HttpTrackerRequest out) {
        int eq = indexOf(in, from, to, (byte) '=');
        int nameEnd = eq < 0 ? to : eq;
        int v = eq < 0 ? to : eq + 1;
        int bit = parameterBit(in, from, nameEnd - from);
        if (bit == 0 || (out.seen & bit) != 0) return OK; // unknown, or a later duplicate: skipped
        out.seen |= bit;
        switch (bit) {
            case P_INFO_HASH:
                if (!PercentDecoder.decode20(in, v, to, out.hash)) return BAD_INFO_HASH;
                out.infoHash0 = PercentDecoder.word0(out.hash);
                out.infoHash1 = PercentDecoder.word1(out.hash);
                out.infoHash2 = PercentDecoder.word2(out.hash);
                return OK;
            case P_PEER_ID:
                return PercentDecoder.decode20(in, v, to, out.peerId) ? OK : BAD_PEER_ID;
            case P_PORT: {
                long port = parseDigits(in, v, to);
                if (port < 1 || port > 65535) return BAD_PORT;
                out.port = (int) port;
                return OK;
            }
            case P_UPLOADED:
                return (out.uploaded = parseDigits(in, v, to)) < 0 ? BAD_UPLOADED : OK;
            case P_DOWNLOADED:
                return (out.downloaded = parseDigits(in, v, to)) < 0 ? BAD_DOWNLOADED : OK;
            case P_LEFT:
                // -1 here would read as "absent"; the failure status stops the request anyway
                return (out.left = parseDigits(in, v, to)) < 0 ? BAD_LEFT : OK;
            case P_EVENT:
                return parseEvent(in, v, to, out);
            case P_NUMWANT:
                return parseNumwant(in, v, to, out);
            case P_COMPACT:
                if (to - v != 1) return BAD_COMPACT;
                byte c = in[v];
                if (c != '0' && c != '1') return BAD_COMPACT;
                out.compact = c == '1';
                return OK;
            case P_NO_PEER_ID:
                out.noPeerId = to - v == 1 && in[v] == '1';
                return OK;
            default: // P_IP, P_IPV4, P_IPV6
                parseAddress(in, v, to, bit, out);
                return OK;
        }
    }

    /** The bit of a known announce parameter name, or 0. Dispatches on length first. */
    private static int parameterBit(byte[] in, int from, int length) {
        switch (length) {
            case 2: return equals(in, from, length, IP) ? P_IP : 0;
            case 4:
                if (equals(in, from, length, PORT)) return P_PORT;
                if (equals(in, from, length, LEFT)) return P_LEFT;
                if (equals(in, from, length, IPV4)) return P_IPV4;
                return equals(in, from, length, IPV6) ? P_IPV6 : 0;
            case 5: return equals(in, from, length, EVENT) ? P_EVENT : 0;
            case 7:
                if (equals(in, from, length, PEER_ID)) return P_PEER_ID;
                if (equals(in, from, length, COMPACT)) return P_COMPACT;
                return equals(in, from, length, NUMWANT) ? P_NUMWANT : 0;
            case 8: return equals(in, from, length, UPLOADED) ? P_UPLOADED : 0;
            case 9: return equals(in, from, length, INFO_HASH) ? P_INFO_HASH : 0;
            case 10:
                if (equals(in, from, length, DOWNLOADED)) return P_DOWNLOADED;
                return equals(in, from, length, NO_PEER_ID) ? P_NO_PEER_ID : 0;
            default: return 0;
        }
    }

    private static int parseEvent(byte[] in, int from, int to, HttpTrackerRequest out) {
        int length = to - from;
        if (length == 0 || (length == 5 && equals(in, from, 5, EMPTY))) {
            out.event = HttpTrackerRequest.EVENT_NONE;
        } else if (length == 7 && equals(in, from, 7, STARTED)) {
            out.event = HttpTrackerRequest.EVENT_STARTED;
        } else if (length == 7 && equals(in, from, 7, STOPPED)) {
            out.event = HttpTrackerRequest.EVENT_STOPPED;
        } else if (length == 9 && equals(in, from, 9, COMPLETED)) {
            out.event = HttpTrackerRequest.EVENT_COMPLETED;
        } else if (length == 6 && equals(in, from, 6, PAUSED)) {
            out.event = HttpTrackerRequest.EVENT_PAUSED;
        } else {
            return BAD_EVENT;
        }
        return OK;
    }

    private static int parseNumwant(byte[] in, int from, int to, HttpTrackerRequest out) {
        boolean negative = from < to && in[from] == '-';
        long value = parseDigits(in, negative ? from + 1 : from, to);
        if (value < 0) return BAD_NUMWANT;
        out.numwant = negative ? -1 : (int) Math.min(value, Integer.MAX_VALUE);
        return OK;
    }

    private static void parseAddress(byte[] in, int from, int to, int bit, HttpTrackerRequest out) {
        byte[] text = out.ipText;
        int length = PercentDecoder.decode(in, from, to, text);
        if (length <= 0) return;
        if (bit != P_IPV6) {
            long v4 = IpLiterals.parseIpv4Endpoint(text, 0, length);
            if (v4 >= 0) {
                // ipv4= wins over ip= in either order; ip= only fills an empty slot
                if (bit == P_IPV4 || !out.hasIpv4) {
                    out.hasIpv4 = true;
                    out.ipv4 = (int) v4;
                }
                return;
            }
            if (bit == P_IPV4) return;
        }
        if (IpLiterals.parseIpv6Endpoint(text, 0, length, out.ipv6Groups, out.ipv6Out)
                && (bit == P_IPV6 || !out.hasIpv6)) {
            out.hasIpv6 = true;
            out.ipv6High = out.ipv6Out[0];
            out.ipv6Low = out.ipv6Out[1];
        }
    }

    private static int decodeScrape(byte[] in, int from, int to, HttpTrackerRequest out) {
        int start = from;
        while (start < to) {
            int amp = indexOf(in, start, to, (byte) '&');
            int end = amp < 0 ? to : amp;
            int eq = indexOf(in, start, end, (byte) '=');
            if (eq - start == INFO_HASH.length && equals(in, start, INFO_HASH.length, INFO_HASH)) {
                if (!PercentDecoder.decode20(in, eq + 1, end, out.hash)) return BAD_INFO_HASH;
                if (out.scrapeCount == out.maxScrapeHashes) return TOO_MANY_HASHES;
                int at = out.scrapeCount++ * 3;
                out.scrapeHashes[at] = PercentDecoder.word0(out.hash);
                out.scrapeHashes[at + 1] = PercentDecoder.word1(out.hash);
                out.scrapeHashes[at + 2] = PercentDecoder.word2(out.hash);
            }
            start = end + 1;
        }
        return OK;
    }

    /**
     * Decimal digits in {@code [from, to)}: the value, clamped to {@code Long.MAX_VALUE}, or -1 if
     * the range is empty or holds anything but digits.
     */
    static long parseDigits(byte[] in, int from, int to) {
        if (from >= to) return -1;
        long value = 0;
        for (int i = from; i < to; i++) {
            int d = in[i] - '0';
            if (d < 0 || d > 9) return -1;
            value = value > (Long.MAX_VALUE - d) / 10 ? Long.MAX_VALUE : value * 10 + d;
        }
        return value;
    }

    /** {@code length} bytes at {@code from} equal {@code expected[0..length)}; caller checks lengths. */
    static boolean equals(byte[] in, int from, int length, byte[] expected) {
        for (int i = 0; i < length; i++) {
            if (in[from + i] != expected[i]) return false;
        }
        return true;
    }
}
