package trackerd.loadtest;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The floor under any Netty HTTP tracker on this machine: a server on one event loop that answers
 * every request head on a kept-alive connection with the same bencoded announce reply (two
 * compact peers) and does nothing else: no parsing but the scan for each head's end, no access
 * list, no swarm. One read in, its answers written, flushed once per read batch, as trackerd does:
 * what is left of a tracker's CPU per keep-alive request when its own work costs nothing, Netty's
 * channel machinery and the kernel's TCP loopback path. Keep-alive only (it never closes).
 */
final class HttpEchoServer extends ChannelInboundHandlerAdapter {
    private static final byte[] BODY = "d8:completei1e10:downloadedi0e10:incompletei1e8:intervali1800e12:min intervali900e5:peers12:abcdefghijkle"
        .getBytes(StandardCharsets.US_ASCII);
    private static final ByteBuf REPLY = Unpooled.unreleasableBuffer(Unpooled.directBuffer().writeBytes(
        ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + BODY.length + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII)).writeBytes(BODY));
    /** Bytes of CR LF CR LF matched so far, across reads. */
    private int matched;
    private boolean written;

    static int serve(InetSocketAddress listen, int seconds, PrintStream err) throws Exception {
        return FloorServer.serve("http-echo", listen, seconds, err, pipeline -> pipeline.addLast(new HttpEchoServer()));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        ByteBuf in = (ByteBuf) msg;
        try {
            for (int i = in.readerIndex(), end = in.writerIndex(); i < end; i++) {
                byte b = in.getByte(i);
                if (b == ((matched & 1) == 0 ? '\r' : '\n')) {
                    if (++matched == 4) {
                        matched = 0;
                        ctx.write(REPLY.duplicate(), ctx.voidPromise());
                        written = true;
                    }
                } else {
                    matched = b == '\r' ? 1 : 0;
                }
            }
        } finally {
            in.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (written) {
            written = false;
            ctx.flush();
        }
    }
}
