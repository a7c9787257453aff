package trackerd.udp.protocol;

/**
 * SipHash-2-4 (Aumasson and Bernstein) over messages of whole 64-bit words, which is all the
 * connection ids need; words are taken as SipHash reads them, little-endian.
 *
 * <p>Keeps its state in fields so that hashing allocates nothing: one instance per thread.
 */
public final class SipHash24 {
    private final long k0;
    private final long k1;
    private long v0;
    private long v1;
    private long v2;
    private long v3;

    public SipHash24(long k0, long k1) {
        this.k0 = k0;
        this.k1 = k1;
    }

    public long hash(long m0, long m1) {
        start();
        compress(m0);
        compress(m1);
        return finish(16);
    }

    public long hash(long m0, long m1, long m2) {
        start();
        compress(m0);
        compress(m1);
        compress(m2);
        return finish(24);
    }

    /** Any number of words, for the reference test vectors. */
    long hashWords(long... words) {
        start();
        for (long m : words) compress(m);
        return finish(words.length * 8L);
    }

    private void start() {
        v0 = k0 ^ 0x736f6d6570736575L;
        v1 = k1 ^ 0x646f72616e646f6dL;
        v2 = k0 ^ 0x6c7967656e657261L;
        v3 = k1 ^ 0x7465646279746573L;
    }

    private void round() {
        v0 += v1; v1 = Long.rotateLeft(v1, 13); v1 ^= v0; v0 = Long.rotateLeft(v0, 32);
        v2 += v3; v3 = Long.rotateLeft(v3, 16); v3 ^= v2;
        v0 += v3; v3 = Long.rotateLeft(v3, 21); v3 ^= v0;
        v2 += v1; v1 = Long.rotateLeft(v1, 17); v1 ^= v2; v2 = Long.rotateLeft(v2, 32);
    }

    private void compress(long m) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }

    private long finish(long lengthBytes) {
        compress(lengthBytes << 56);
        v2 ^= 0xff;
        round();
        round();
        round();
        round();
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
