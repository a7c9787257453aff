package trackerd.http.server;

import java.util.List;
import trackerd.net.Cidr;

/**
 * {@code http.proxy.trusted} as primitive masks, so a per-request check needs no
 * {@code InetAddress}. Addresses are in {@code SwarmRequest}'s form: IPv4 in the low 32 bits of
 * {@code a0}; IPv6 as bits 127..64 and 63..0. IPv4-mapped IPv6 addresses must be turned into IPv4
 * by the caller (as {@link ClientAddress} does). Immutable and thread-safe.
 */
final class TrustedProxies {
    private final boolean[] ipv6;
    private final long[] net0;
    private final long[] net1;
    private final long[] mask0;
    private final long[] mask1;

    TrustedProxies(List<Cidr> blocks) {
        int n = blocks.size();
        ipv6 = new boolean[n];
        net0 = new long[n];
        net1 = new long[n];
        mask0 = new long[n];
        mask1 = new long[n];
        for (int i = 0; i < n; i++) {
            Cidr cidr = blocks.get(i);
            byte[] b = cidr.network();
            int prefix = cidr.prefixLength();
            if (b.length == 4) {
                mask0[i] = prefix == 0 ? 0 : (0xFFFF_FFFFL << (32 - prefix)) & 0xFFFF_FFFFL;
                net0[i] = word(b, 0, 4) & mask0[i];
            } else {
                ipv6[i] = true;
                mask0[i] = prefix == 0 ? 0 : prefix >= 64 ? -1L : -1L << (64 - prefix);
                mask1[i] = prefix <= 64 ? 0 : prefix == 128 ? -1L : -1L << (128 - prefix);
                net0[i] = word(b, 0, 8) & mask0[i];
                net1[i] = word(b, 8, 8) & mask1[i];
            }
        }
    }

    private static long word(byte[] b, int from, int length) {
        long value = 0;
        for (int i = from; i < from + length; i++) value = value << 8 | (b[i] & 0xFF);
        return value;
    }

    boolean isEmpty() {
        return ipv6.length == 0;
    }

    boolean contains(boolean v6, long a0, long a1) {
        for (int i = 0; i < ipv6.length; i++) {
            if (ipv6[i] != v6) continue;
            if ((a0 & mask0[i]) == net0[i] && (!v6 || (a1 & mask1[i]) == net1[i])) return true;
        }
        return false;
    }
}
