package trackerd.http.protocol;

/**
 * Parses literal IP addresses (the BEP 3 {@code ip} and BEP 7 {@code ipv4}/{@code ipv6} query
 * values, already percent-decoded) from bytes into primitives, with no String, no
 * {@code InetAddress} and never DNS. Accepts what {@code inet_pton} accepts: dotted quads without
 * leading zeros; IPv6 with one {@code ::} and an optional trailing dotted quad. BEP 7 lets a
 * client send an endpoint rather than an address, so {@code 1.2.3.4:6881} and
 * {@code [2001:db8::1]:6881} are accepted too and their port is ignored (the peer's port is the
 * {@code port} parameter). Zone ids ({@code fe80::1%eth0}) are refused.
 *
 * <p>Stateless and thread-safe; IPv6 parsing uses caller-provided scratch arrays.
 */
public final class IpLiterals {
    private IpLiterals() {}

    /**
     * An IPv4 address or {@code address:port} in {@code b[from, to)}.
     *
     * @return the address in the low 32 bits, or -1 if the bytes are not one
     */
    public static long parseIpv4Endpoint(byte[] b, int from, int to) {
        for (int i = from; i < to; i++) {
            if (b[i] == ':') return validPort(b, i + 1, to) ? parseIpv4(b, from, i) : -1;
        }
        return parseIpv4(b, from, to);
    }

    /**
     * Exactly a dotted quad in {@code b[from, to)}.
     *
     * @return the address in the low 32 bits, or -1
     */
    public static long parseIpv4(byte[] b, int from, int to) {
        long address = 0;
        int octets = 0;
        int i = from;
        while (true) {
            int start = i;
            int value = 0;
            while (i < to && i - start < 3 && b[i] >= '0' && b[i] <= '9') value = value * 10 + (b[i++] - '0');
            int digits = i - start;
            if (digits == 0 || value > 255 || (digits > 1 && b[start] == '0')) return -1;
            address = address << 8 | value;
            if (++octets == 4) return i == to ? address : -1;
            if (i == to || b[i] != '.') return -1;
            i++;
        }
    }

    /**
     * An IPv6 address, or {@code [address]} with an optional {@code :port}, in {@code b[from, to)}.
     *
     * @param groups scratch, 8 ints
     * @param out receives bits 127..64 in {@code out[0]} and 63..0 in {@code out[1]}
     * @return false if the bytes are not one
     */
    public static boolean parseIpv6Endpoint(byte[] b, int from, int to, int[] groups, long[] out) {
        if (from < to && b[from] == '[') {
            for (int i = from + 1; i < to; i++) {
                if (b[i] == ']') {
                    boolean tail = i + 1 == to || (b[i + 1] == ':' && validPort(b, i + 2, to));
                    return tail && parseIpv6(b, from + 1, i, groups, out);
                }
            }
            return false;
        }
        return parseIpv6(b, from, to, groups, out);
    }

    /** Exactly an IPv6 address in {@code b[from, to)}; see {@link #parseIpv6Endpoint}. */
    public static boolean parseIpv6(byte[] b, int from, int to, int[] groups, long[] out) {
        int n = 0;
        int gap = -1; // where "::" stands, in groups
        int i = from;
        if (to - from >= 2 && b[i] == ':') {
            if (b[i + 1] != ':') return false;
            gap = 0;
            i += 2;
        }
        while (i < to) {
            if (n == 8) return false;
            int start = i;
            int value = 0;
            int digit;
            while (i < to && i - start < 4 && (digit = PercentDecoder.hexValue(b[i])) >= 0) {
                value = value << 4 | digit;
                i++;
            }
            if (i < to && b[i] == '.') { // a trailing dotted quad takes two groups
                if (n > 6) return false;
                long v4 = parseIpv4(b, start, to);
                if (v4 < 0) return false;
                groups[n++] = (int) (v4 >>> 16);
                groups[n++] = (int) (v4 & 0xFFFF);
                break;
            }
            if (i == start) return false;
            groups[n++] = value;
            if (i == to) break;
            if (b[i] != ':') return false;
            i++;
            if (i < to && b[i] == ':') {
                if (gap >= 0) return false;
                gap = n;
                i++;
            } else if (i == to) {
                return false; // a single trailing colon
            }
        }
        if (gap < 0 ? n != 8 : n > 7) return false;
        int zeros = 8 - n;
        long high = 0;
        long low = 0;
        for (int k = 0; k < 8; k++) {
            int g = gap < 0 || k < gap ? groups[k] : k < gap + zeros ? 0 : groups[k - zeros];
            if (k < 4) high = high << 16 | g;
            else low = low << 16 | g;
        }
        out[0] = high;
        out[1] = low;
        return true;
    }

    private static boolean validPort(byte[] b, int from, int to) {
        if (from == to || to - from > 5) return false;
        int port = 0;
        for (int i = from; i < to; i++) {
            if (b[i] < '0' || b[i] > '9') return false;
            port = port * 10 + (b[i] - '0');
        }
        return port <= 65535;
    }
}
