package trackerd.loadtest;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.util.ReferenceCountUtil;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The floor under any WebTorrent tracker on this machine: a Netty WebSocket server on one event
 * loop that answers every text frame with an announce reply naming the request's info hash, and
 * does nothing else (no swarm, no relay, no JSON parser: the info hash's bytes are copied from
 * between {@code "info_hash":} and {@code ,"peer_id"}, the order the load tester writes). One frame
 * in, one frame out, flushed once per read batch, as trackerd does: what is left of a tracker's
 * CPU per message when its own work costs nothing, the kernel's TCP loopback path above all.
 * Drive it with the load tester's ws mode, offers off ({@code ws.offers_per_announce=0}) and
 * announces only ({@code workload.scrape_weight=0}).
 */
final class WsEchoServer extends ChannelInboundHandlerAdapter {
    private static final byte[] HEAD = "{\"action\":\"announce\",\"interval\":120,\"info_hash\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TAIL = ",\"complete\":1,\"incomplete\":1}".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] INFO_HASH_KEY = "\"info_hash\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PEER_ID_KEY = ",\"peer_id\"".getBytes(StandardCharsets.US_ASCII);
    private boolean written;

    static int serve(InetSocketAddress listen, int seconds, PrintStream err) throws Exception {
        WebSocketServerProtocolConfig protocol = WebSocketServerProtocolConfig.newBuilder()
            .websocketPath("/").checkStartsWith(true).handleCloseFrames(true).dropPongFrames(true).build();
        return FloorServer.serve("ws-echo", listen, seconds, err, pipeline -> pipeline.addLast(new HttpServerCodec(),
            new HttpObjectAggregator(8192), new WebSocketServerProtocolHandler(protocol), new WsEchoServer()));
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (!(msg instanceof TextWebSocketFrame frame)) return;
            ByteBuf in = frame.content();
            int from = indexOf(in, INFO_HASH_KEY, in.readerIndex());
            int to = from < 0 ? -1 : indexOf(in, PEER_ID_KEY, from);
            if (to < 0) return;
            from += INFO_HASH_KEY.length;
            ByteBuf out = ctx.alloc().buffer(HEAD.length + (to - from) + TAIL.length);
            out.writeBytes(HEAD).writeBytes(in, from, to - from).writeBytes(TAIL);
            ctx.write(new TextWebSocketFrame(out), ctx.voidPromise());
            written = true;
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (written) {
            written = false;
            ctx.flush();
        }
    }

    private static int indexOf(ByteBuf in, byte[] key, int from) {
        int last = in.writerIndex() - key.length;
        outer:
        for (int i = from; i <= last; i++) {
            for (int k = 0; k < key.length; k++) {
                if (in.getByte(i + k) != key[k]) continue outer;
            }
            return i;
        }
        return -1;
    }
}
