package trackerd.net;

import java.security.SecureRandom;

/**
 * Info hashes as three primitives: bytes 0-7 and 8-15 as big-endian longs, bytes 16-19 as an
 * int. Clients choose info hashes, so tables hash them with a per-process random seed: raw bits
 * would let anyone aim many hashes at one bucket.
 */
public final class InfoHashes {
    private static final long SEED0;
    private static final long SEED1;
    private static final long SEED2;

    static {
        SecureRandom random = new SecureRandom();
        SEED0 = random.nextLong();
        SEED1 = random.nextLong();
        SEED2 = random.nextLong();
    }

    private InfoHashes() {}

    /** Well-mixed 64 bits; use the high bits for shards and the rest for table slots. */
    public static long hash(long h0, long h1, int h2) {
        long x = mix(h0 ^ SEED0);
        x = mix(x ^ h1 ^ SEED1);
        return mix(x ^ (h2 & 0xFFFF_FFFFL) ^ SEED2);
    }

    /** Murmur3's 64-bit finaliser: a bijection that spreads every input bit over the output. */
    public static long mix(long x) {
        x ^= x >>> 33;
        x *= 0xff51afd7ed558ccdL;
        x ^= x >>> 33;
        x *= 0xc4ceb9fe1a85ec53L;
        x ^= x >>> 33;
        return x;
    }

    /**
     * Deterministic made-up info hashes by rank, for benchmarks and load tests: the same rank
     * always gives the same hash, different ranks different hashes. Word 0, 1 or 2 as above.
     */
    public static long synthetic(int rank, int word) {
        return switch (word) {
            case 0 -> mix(rank * 0x9E3779B97F4A7C15L + 0x0123);
            case 1 -> mix(rank * 0xC2B2AE3D27D4EB4FL + 0x4567);
            default -> (int) mix(rank + 0x89ABL);
        };
    }

    /** Parses 40 hex digits, either case; returns null if the text is anything else. */
    public static long[] parseHex(CharSequence text) {
        if (text.length() != 40) return null;
        long[] out = new long[3];
        for (int i = 0; i < 40; i++) {
            int digit = Character.digit(text.charAt(i), 16);
            if (digit < 0) return null;
            int word = i < 16 ? 0 : i < 32 ? 1 : 2;
            out[word] = (out[word] << 4) | digit;
        }
        return out;
    }

    public static String toHex(long h0, long h1, int h2) {
        return String.format("%016x%016x%08x", h0, h1, h2);
    }
}
