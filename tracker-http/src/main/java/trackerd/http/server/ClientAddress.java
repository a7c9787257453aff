package trackerd.http.server;

import io.netty.buffer.ByteBuf;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import trackerd.http.protocol.IpLiterals;

/**
 * A client address in {@code SwarmRequest}'s primitive form, and the parsing that finds it: the
 * TCP peer's address (once per connection), or the address a trusted reverse proxy names in
 * {@code X-Forwarded-For} / {@code X-Real-IP} (per request, no allocation). IPv4-mapped IPv6
 * addresses ({@code ::ffff:a.b.c.d}, what a dual-stack socket reports for an IPv4 peer) are
 * IPv4: such a peer must get IPv4 peers. One scratch instance per event loop.
 */
final class ClientAddress {
    /** The longest address text worth parsing: "[IPv6 with embedded IPv4]:port". */
    private static final int MAX_TEXT = 64;

    boolean ipv6;
    /** IPv4: the address in the low 32 bits. IPv6: bits 127..64. */
    long address0;
    /** IPv6: bits 63..0. */
    long address1;

    private final byte[] text = new byte[MAX_TEXT];
    private final int[] groups = new int[8];
    private final long[] v6 = new long[2];

    void set(boolean ipv6, long address0, long address1) {
        this.ipv6 = ipv6;
        this.address0 = address0;
        this.address1 = address1;
    }

    /** The TCP peer's address; once per connection. */
    void setPeer(InetAddress address) {
        if (address instanceof Inet4Address) {
            set(false, address.hashCode() & 0xFFFF_FFFFL, 0); // an Inet4Address's hash is its address
            return;
        }
        ByteBuffer bytes = ByteBuffer.wrap(address.getAddress());
        setIpv6(bytes.getLong(0), bytes.getLong(8));
    }

    /**
     * The TCP peer from accept(2)'s address bytes as Netty's native accept hands them over (see
     * {@code DirectAcceptChannel.Acceptor#accepted}); no allocation. Returns the peer's port.
     */
    int setPeer(byte[] raw, int offset, int length) {
        int portAt = offset + length - 4;
        int port = (raw[portAt] & 0xFF) << 24 | (raw[portAt + 1] & 0xFF) << 16 | (raw[portAt + 2] & 0xFF) << 8
            | (raw[portAt + 3] & 0xFF);
        if (length == 8) {
            set(false, word(raw, offset, 4), 0);
        } else {
            setIpv6(word(raw, offset, 8), word(raw, offset + 8, 8));
        }
        return port;
    }

    private static long word(byte[] b, int from, int length) {
        long value = 0;
        for (int i = from; i < from + length; i++) value = value << 8 | (b[i] & 0xFF);
        return value;
    }

    private void setIpv6(long high, long low) {
        if (high == 0 && (low >>> 32) == 0xFFFF) {
            set(false, low & 0xFFFF_FFFFL, 0);
        } else {
            set(true, high, low);
        }
    }

    /**
     * {@code X-Forwarded-For} in {@code [from, to)}: the rightmost address not in {@code trusted}
     * (the proxies append what they saw; entries left of the first untrusted one may be forged),
     * or the leftmost if every one is trusted. False, leaving this unchanged, if an entry read on
     * the way is not an address.
     */
    boolean parseForwardedFor(ByteBuf in, int from, int to, TrustedProxies trusted) {
        int end = to;
        while (end > from) {
            int comma = end - 1;
            while (comma >= from && in.getByte(comma) != ',') comma--;
            if (comma < from) comma = -1;
            int start = comma < 0 ? from : comma + 1;
            if (!parseOne(in, start, end)) return false;
            if (comma < 0 || !trusted.contains(ipv6, address0, address1)) return true;
            end = comma;
        }
        return false;
    }

    /** One address (or {@code address:port}, {@code [IPv6]:port}) with optional spaces around it. */
    boolean parseOne(ByteBuf in, int from, int to) {
        while (from < to && isSpace(in.getByte(from))) from++;
        while (to > from && isSpace(in.getByte(to - 1))) to--;
        int length = to - from;
        if (length == 0 || length > MAX_TEXT) return false;
        in.getBytes(from, text, 0, length);
        long v4 = IpLiterals.parseIpv4Endpoint(text, 0, length);
        if (v4 >= 0) {
            set(false, v4, 0);
            return true;
        }
        if (!IpLiterals.parseIpv6Endpoint(text, 0, length, groups, v6)) return false;
        setIpv6(v6[0], v6[1]);
        return true;
    }

    private static boolean isSpace(byte b) {
        return b == ' ' || b == '\t';
    }
}
