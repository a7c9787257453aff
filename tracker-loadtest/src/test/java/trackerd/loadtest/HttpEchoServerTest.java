package trackerd.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The http-echo floor server answers each request head once, wherever the reads split it. */
class HttpEchoServerTest {
    static ByteBuf ascii(String s) {
        return Unpooled.copiedBuffer(s, StandardCharsets.US_ASCII);
    }

    @Test
    void shouldAnswerEachHeadOnceAcrossReads() {
        EmbeddedChannel channel = new EmbeddedChannel(new HttpEchoServer());
        // two pipelined heads, the first end split between reads (CR LF | CR LF), a stray CR in a header value
        channel.writeInbound(ascii("GET /announce?a HTTP/1.1\r\nX: a\rb\r\n"));
        assertNull(channel.readOutbound(), "no whole head yet");
        channel.writeInbound(ascii("\r\nGET /announce?b HTTP/1.1\r\n\r\n"));
        for (int i = 0; i < 2; i++) {
            ByteBuf reply = channel.readOutbound();
            String text = reply.toString(StandardCharsets.US_ASCII);
            reply.release();
            assertTrue(text.startsWith("HTTP/1.1 200 OK\r\n"), text);
            assertTrue(text.endsWith("\r\n\r\nd8:completei1e10:downloadedi0e10:incompletei1e8:intervali1800e"
                + "12:min intervali900e5:peers12:abcdefghijkle"), text);
            String length = text.substring(text.indexOf("Content-Length: ") + 16, text.indexOf("\r\n\r\n"));
            assertEquals(text.length() - text.indexOf("\r\n\r\n") - 4, Integer.parseInt(length));
        }
        assertNull(channel.readOutbound());
        channel.finishAndReleaseAll();
    }
}
