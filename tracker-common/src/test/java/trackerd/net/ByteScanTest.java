package trackerd.net;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The eight-bytes-a-step search against a plain loop, on every range and every byte value. */
class ByteScanTest {
    private static int naive(byte[] in, int from, int to, byte value) {
        for (int i = from; i < to; i++) {
            if (in[i] == value) return i;
        }
        return -1;
    }

    @Test
    void shouldFindTheFirstMatchOfEveryByteValueInEveryRange() {
        Random random = new Random(15);
        for (int round = 0; round < 40; round++) {
            byte[] in = new byte[1 + random.nextInt(40)];
            // few distinct values, so matches, runs of matches and 0x00/0x80/0xFF neighbours are common
            byte[] alphabet = {0, 1, (byte) 0x7F, (byte) 0x80, (byte) 0x81, (byte) 0xFF, '&', '\n'};
            for (int i = 0; i < in.length; i++) in[i] = alphabet[random.nextInt(alphabet.length)];
            for (int from = 0; from <= in.length; from++) {
                for (int to = from; to <= in.length; to++) {
                    for (int v = 0; v < 256; v += 1) {
                        byte value = (byte) v;
                        assertEquals(naive(in, from, to, value), ByteScan.indexOf(in, from, to, value));
                    }
                }
            }
        }
    }

    @Test
    void aMatchBeforeAZeroByteShouldNotBeMaskedByBorrows() {
        // '&' XOR '&' is a zero byte; the bytes above it borrow: the first match must still win
        byte[] in = "ab&&&&&&&&&&cd".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        assertEquals(2, ByteScan.indexOf(in, 0, in.length, (byte) '&'));
        assertEquals(-1, ByteScan.indexOf(in, 0, 2, (byte) '&'));
        assertEquals(12, ByteScan.indexOf(in, 0, in.length, (byte) 'c'));
    }
}
