package trackerd.ws.protocol;

import io.netty.buffer.ByteBuf;

/**
 * Whether the bytes of a text message are well-formed UTF-8 (RFC 3629; the Unicode standard's
 * table 3-7): no stray continuation byte, no overlong form (C0, C1, E0 80-9F, F0 80-8F), no
 * UTF-16 surrogate (ED A0-BF), nothing past U+10FFFF (F4 90-BF, F5-FF), no sequence cut short.
 *
 * <p>Why our own: RFC 6455 requires a text message that is not UTF-8 to fail the connection
 * (1007), and the tracker relays offer and answer SDP to other peers byte for byte, so bad
 * bytes let through would make the recipients' browsers drop their own connections. Netty's
 * validator does this with a lookup table and a callback per byte, which measured a tenth of
 * the event loop's CPU under the WebTorrent load test; WebTorrent messages are ASCII but for
 * their binary ids, so here eight ASCII bytes are passed with one {@code getLong}, and only
 * the other bytes are decoded.
 *
 * <p>Stateless; reads the buffer with absolute gets, never moves its indexes.
 */
public final class Utf8Text {
    private static final long HIGH_BITS = 0x8080_8080_8080_8080L;

    private Utf8Text() {}

    /** Whether bytes {@code [from, to)} of {@code buf} are well-formed UTF-8. */
    public static boolean isValid(ByteBuf buf, int from, int to) {
        int i = from;
        while (i < to) {
            while (i + 8 <= to && (buf.getLong(i) & HIGH_BITS) == 0) i += 8;
            if (i >= to) return true;
            int b = buf.getByte(i) & 0xFF;
            if (b < 0x80) {
                i++;
            } else if (b < 0xC2) {
                return false; // a continuation byte first, or C0/C1: always overlong
            } else if (b < 0xE0) {
                if (i + 1 >= to || !continuation(buf.getByte(i + 1))) return false;
                i += 2;
            } else if (b < 0xF0) {
                if (i + 2 >= to) return false;
                int c1 = buf.getByte(i + 1) & 0xFF;
                if (!continuation(c1) || !continuation(buf.getByte(i + 2))) return false;
                if (b == 0xE0 && c1 < 0xA0) return false; // overlong
                if (b == 0xED && c1 >= 0xA0) return false; // U+D800-U+DFFF, surrogates
                i += 3;
            } else if (b < 0xF5) {
                if (i + 3 >= to) return false;
                int c1 = buf.getByte(i + 1) & 0xFF;
                if (!continuation(c1) || !continuation(buf.getByte(i + 2)) || !continuation(buf.getByte(i + 3))) {
                    return false;
                }
                if (b == 0xF0 && c1 < 0x90) return false; // overlong
                if (b == 0xF4 && c1 >= 0x90) return false; // past U+10FFFF
                i += 4;
            } else {
                return false; // F5-FF: past U+10FFFF or never UTF-8
            }
        }
        return true;
    }

    private static boolean continuation(int b) {
        return (b & 0xC0) == 0x80;
    }
}
