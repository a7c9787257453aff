package trackerd.ws.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import org.junit.jupiter.api.Test;

/** Frame headers built by {@link TextFrames}, byte for byte (RFC 6455 section 5.2) and against Netty's encoder. */
class TextFramesTest {
    private static ByteBuf frame(int payloadBytes) {
        ByteBuf out = TextFrames.allocate(UnpooledByteBufAllocator.DEFAULT, 16);
        for (int i = 0; i < payloadBytes; i++) out.writeByte('a' + i % 26);
        return TextFrames.seal(out);
    }

    private static byte[] header(ByteBuf frame, int length) {
        byte[] h = new byte[length];
        frame.getBytes(frame.readerIndex(), h);
        return h;
    }

    @Test
    void shouldWriteTheShortHeaderUpTo125Bytes() {
        ByteBuf f = frame(125);
        assertArrayEquals(new byte[] {
            (byte) 0x81, // FIN, opcode 1: text
            125,         // MASK 0, payload length 125
        }, header(f, 2));
        assertEquals(2 + 125, f.readableBytes());
        f.release();
    }

    @Test
    void shouldWriteA16BitLengthFrom126Bytes() {
        ByteBuf f = frame(126);
        assertArrayEquals(new byte[] {
            (byte) 0x81, // FIN, text
            126,         // MASK 0, 16-bit length follows
            0, 126,      // 126, big-endian
        }, header(f, 4));
        assertEquals(4 + 126, f.readableBytes());
        f.release();
        ByteBuf g = frame(65_535);
        assertArrayEquals(new byte[] {(byte) 0x81, 126, (byte) 0xFF, (byte) 0xFF}, header(g, 4));
        g.release();
    }

    @Test
    void shouldWriteA64BitLengthFrom65536Bytes() {
        ByteBuf f = frame(65_536);
        assertArrayEquals(new byte[] {
            (byte) 0x81,        // FIN, text
            127,                // MASK 0, 64-bit length follows
            0, 0, 0, 0, 0, 1, 0, 0, // 65,536, big-endian
        }, header(f, 10));
        assertEquals(10 + 65_536, f.readableBytes());
        f.release();
    }

    /** The same bytes as Netty's own server encoder at every header size. */
    @Test
    void shouldMatchNettysEncoder() {
        for (int n : new int[] {0, 1, 125, 126, 127, 1000, 65_535, 65_536, 70_000}) {
            ByteBuf ours = frame(n);
            EmbeddedChannel netty = new EmbeddedChannel(new WebSocket13FrameEncoder(false));
            netty.writeOutbound(new TextWebSocketFrame(Unpooled.wrappedBuffer(ByteBufUtil.getBytes(ours, ours.readerIndex()
                + (n < 126 ? 2 : n < 65_536 ? 4 : 10), n))));
            ByteBuf theirs = Unpooled.buffer();
            for (Object part; (part = netty.readOutbound()) != null; ) {
                theirs.writeBytes((ByteBuf) part);
                ((ByteBuf) part).release();
            }
            assertEquals(ByteBufUtil.hexDump(theirs), ByteBufUtil.hexDump(ours), "payload " + n);
            ours.release();
            theirs.release();
            netty.finishAndReleaseAll();
        }
    }
}
