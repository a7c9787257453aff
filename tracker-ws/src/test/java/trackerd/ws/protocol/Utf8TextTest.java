package trackerd.ws.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@link Utf8Text} against the JDK's strict UTF-8 decoder, which follows RFC 3629 to the letter. */
class Utf8TextTest {
    private final CharsetDecoder jdk = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

    private boolean jdkValid(byte[] bytes) {
        try {
            jdk.reset().decode(ByteBuffer.wrap(bytes));
            return true;
        } catch (CharacterCodingException e) {
            return false;
        }
    }

    private static boolean valid(byte[] bytes) {
        // inside a larger buffer, so that reads past [from, to) would show
        ByteBuf buf = Unpooled.buffer(bytes.length + 16);
        buf.writeBytes(new byte[] {(byte) 0xFF, 'a', 'b'}).writeBytes(bytes).writeBytes(new byte[] {(byte) 0x80, 'z'});
        return Utf8Text.isValid(buf, 3, 3 + bytes.length);
    }

    @Test
    void shouldAcceptWhatTheBoundaryCasesOfRfc3629Allow() {
        assertTrue(valid(new byte[0]));
        assertTrue(valid("{\"action\":\"announce\"}".getBytes(StandardCharsets.UTF_8)));
        assertTrue(valid(new byte[] {(byte) 0xC2, (byte) 0x80}));                           // U+0080
        assertTrue(valid(new byte[] {(byte) 0xDF, (byte) 0xBF}));                           // U+07FF
        assertTrue(valid(new byte[] {(byte) 0xE0, (byte) 0xA0, (byte) 0x80}));              // U+0800
        assertTrue(valid(new byte[] {(byte) 0xED, (byte) 0x9F, (byte) 0xBF}));              // U+D7FF
        assertTrue(valid(new byte[] {(byte) 0xEE, (byte) 0x80, (byte) 0x80}));              // U+E000
        assertTrue(valid(new byte[] {(byte) 0xF0, (byte) 0x90, (byte) 0x80, (byte) 0x80})); // U+10000
        assertTrue(valid(new byte[] {(byte) 0xF4, (byte) 0x8F, (byte) 0xBF, (byte) 0xBF})); // U+10FFFF
    }

    @Test
    void shouldRefuseOverlongFormsSurrogatesAndCodePointsPastTheLast() {
        assertFalse(valid(new byte[] {(byte) 0x80}));                                        // continuation first
        assertFalse(valid(new byte[] {(byte) 0xC0, (byte) 0xAF}));                           // overlong '/'
        assertFalse(valid(new byte[] {(byte) 0xC1, (byte) 0xBF}));                           // overlong
        assertFalse(valid(new byte[] {(byte) 0xE0, (byte) 0x9F, (byte) 0xBF}));              // overlong
        assertFalse(valid(new byte[] {(byte) 0xED, (byte) 0xA0, (byte) 0x80}));              // U+D800
        assertFalse(valid(new byte[] {(byte) 0xED, (byte) 0xBF, (byte) 0xBF}));              // U+DFFF
        assertFalse(valid(new byte[] {(byte) 0xF0, (byte) 0x8F, (byte) 0xBF, (byte) 0xBF})); // overlong
        assertFalse(valid(new byte[] {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80})); // U+110000
        assertFalse(valid(new byte[] {(byte) 0xF5, (byte) 0x80, (byte) 0x80, (byte) 0x80}));
        assertFalse(valid(new byte[] {(byte) 0xFF}));
        assertFalse(valid(new byte[] {'a', (byte) 0xE2, (byte) 0x82}));                      // cut short
        assertFalse(valid(new byte[] {(byte) 0xC3, 'a'}));                                   // not a continuation
    }

    @Test
    void shouldAgreeWithTheJdkOnEveryOneAndTwoByteInput() {
        for (int a = 0; a < 256; a++) {
            assertEquals(jdkValid(new byte[] {(byte) a}), valid(new byte[] {(byte) a}), "byte " + a);
            for (int b = 0; b < 256; b++) {
                byte[] in = {(byte) a, (byte) b};
                assertEquals(jdkValid(in), valid(in), a + " " + b);
            }
        }
    }

    /** Every lead byte above ASCII with each boundary of the continuation ranges in the next two and three bytes. */
    @Test
    void shouldAgreeWithTheJdkOnLongerSequencesAtEveryBoundary() {
        int[] edges = {0x00, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xFF};
        for (int a = 0x80; a < 256; a++) {
            for (int b : edges) {
                for (int c : edges) {
                    byte[] three = {(byte) a, (byte) b, (byte) c};
                    assertEquals(jdkValid(three), valid(three), a + " " + b + " " + c);
                    for (int d : edges) {
                        byte[] four = {(byte) a, (byte) b, (byte) c, (byte) d};
                        assertEquals(jdkValid(four), valid(four), a + " " + b + " " + c + " " + d);
                    }
                }
            }
        }
    }

    /** ASCII runs of every length around the eight-byte fast path, with a random sequence at every place. */
    @Test
    void shouldAgreeWithTheJdkOnAsciiRunsWithRandomSequencesAnywhere() {
        SplittableRandom random = new SplittableRandom(12);
        for (int n = 0; n < 50_000; n++) {
            byte[] in = new byte[random.nextInt(40)];
            for (int i = 0; i < in.length; i++) in[i] = (byte) ('a' + random.nextInt(26));
            int tail = Math.min(in.length, 1 + random.nextInt(4));
            int at = in.length == 0 ? 0 : random.nextInt(in.length - tail + 1);
            for (int i = 0; i < tail; i++) in[at + i] = (byte) (0x80 + random.nextInt(128));
            if (random.nextBoolean() && in.length > 0) in[at] = (byte) (0xC0 + random.nextInt(64));
            assertEquals(jdkValid(in), valid(in), java.util.HexFormat.of().formatHex(in));
        }
    }
}
