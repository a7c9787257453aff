package trackerd.net;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Byte search in an HTTP head copied into an array (the tracker's request heads and targets, the
 * load tester's replies). Stateless, thread-safe, allocation-free.
 */
public final class ByteScan {
    /** Eight bytes of an array as one little-endian long: byte {@code i} is bits {@code 8i..8i+7}. */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101_0101_0101_0101L;
    private static final long HIGHS = 0x8080_8080_8080_8080L;

    private ByteScan() {}

    /**
     * The first index of {@code value} in {@code in[from, to)}, or -1. Eight bytes a step (a request
     * line is 200-400 bytes, an info hash or peer id value 20-60): a byte equal to {@code value} is
     * a zero byte of {@code word ^ pattern}, and the lowest set bit of the classic has-zero-byte
     * expression marks the first one exactly (its false positives lie only above a true zero byte).
     *
     * @throws IndexOutOfBoundsException if {@code [from, to)} is not inside {@code in} (a caller bug)
     */
    public static int indexOf(byte[] in, int from, int to, byte value) {
        long pattern = (value & 0xFFL) * ONES;
        int i = from;
        for (; i <= to - 8; i += 8) {
            long word = (long) LONGS.get(in, i) ^ pattern;
            long zeros = (word - ONES) & ~word & HIGHS;
            if (zeros != 0) return i + (Long.numberOfTrailingZeros(zeros) >>> 3);
        }
        for (; i < to; i++) {
            if (in[i] == value) return i;
        }
        return -1;
    }
}
