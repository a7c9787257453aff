package trackerd.ws.protocol;

/**
 * A 20-byte WebTorrent identifier (info hash, peer id or offer id) as primitives: bytes 0-7 and
 * 8-15 as big-endian longs, bytes 16-19 as an int, the same words as
 * {@link trackerd.net.InfoHashes} and {@code RequestSlot} use. Mutable and reused, so decoding
 * allocates nothing; owned by whoever owns the enclosing {@link WsRequest} (one thread at a time).
 *
 * <p>On the wire the id is a 20-character JSON string whose chars are the bytes 0-255
 * (JavaScript's "binary string"): see {@link #setFromChars} and {@link #toChars}.
 */
public final class BinaryId {
    public static final int LENGTH = 20;

    public long w0;
    public long w1;
    public int w2;

    public BinaryId set(long w0, long w1, int w2) {
        this.w0 = w0;
        this.w1 = w1;
        this.w2 = w2;
        return this;
    }

    public BinaryId set(BinaryId other) {
        return set(other.w0, other.w1, other.w2);
    }

    /**
     * Reads a binary string of {@code length} chars at {@code offset}. Returns false, and leaves
     * this id in an unspecified state, unless there are exactly 20 chars each in 0-255.
     */
    public boolean setFromChars(char[] text, int offset, int length) {
        if (length != LENGTH) return false;
        long a = 0;
        long b = 0;
        int c = 0;
        int bad = 0; // OR of every char: any bit above 0xFF means a char the format cannot carry
        for (int i = 0; i < 8; i++) {
            char ch = text[offset + i];
            bad |= ch;
            a = (a << 8) | ch;
        }
        for (int i = 8; i < 16; i++) {
            char ch = text[offset + i];
            bad |= ch;
            b = (b << 8) | ch;
        }
        for (int i = 16; i < 20; i++) {
            char ch = text[offset + i];
            bad |= ch;
            c = (c << 8) | ch;
        }
        if ((bad & ~0xFF) != 0) return false;
        w0 = a;
        w1 = b;
        w2 = c;
        return true;
    }

    /** Writes the 20 bytes as chars 0-255 into {@code out} from index 0. */
    public void toChars(char[] out) {
        for (int i = 0; i < 8; i++) out[i] = (char) ((w0 >>> (56 - 8 * i)) & 0xFF);
        for (int i = 0; i < 8; i++) out[8 + i] = (char) ((w1 >>> (56 - 8 * i)) & 0xFF);
        for (int i = 0; i < 4; i++) out[16 + i] = (char) ((w2 >>> (24 - 8 * i)) & 0xFF);
    }

    /** Byte {@code i} (0-19) as 0-255. */
    public int byteAt(int i) {
        if (i < 8) return (int) (w0 >>> (56 - 8 * i)) & 0xFF;
        if (i < 16) return (int) (w1 >>> (56 - 8 * (i - 8))) & 0xFF;
        return (w2 >>> (24 - 8 * (i - 16))) & 0xFF;
    }

    public byte[] toBytes() {
        byte[] out = new byte[LENGTH];
        for (int i = 0; i < LENGTH; i++) out[i] = (byte) byteAt(i);
        return out;
    }

    public static BinaryId of(byte[] bytes) {
        if (bytes.length != LENGTH) throw new IllegalArgumentException("need 20 bytes, got " + bytes.length);
        char[] chars = new char[LENGTH];
        for (int i = 0; i < LENGTH; i++) chars[i] = (char) (bytes[i] & 0xFF);
        BinaryId id = new BinaryId();
        id.setFromChars(chars, 0, LENGTH);
        return id;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof BinaryId other && other.w0 == w0 && other.w1 == w1 && other.w2 == w2;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(w0 * 31 + w1) * 31 + w2;
    }

    /** 40 hex digits (for tests and logs, never the hot path). */
    @Override
    public String toString() {
        return String.format("%016x%016x%08x", w0, w1, w2);
    }
}
