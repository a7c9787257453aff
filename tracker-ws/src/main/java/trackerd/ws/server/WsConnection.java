package trackerd.ws.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketCloseStatus;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.timeout.IdleState;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import trackerd.loop.ConnectionRegistry;
import trackerd.swarm.SwarmEngine;
import trackerd.ws.protocol.Utf8Text;

/**
 * One WebSocket connection after the handshake: text frames to its loop's {@link WsLoop} (a text
 * message that is not UTF-8 closed with 1007), binary frames closed with 1003, oversized messages
 * with 1009; a connection silent for {@code ws.ping_interval_seconds} is pinged, one silent for
 * {@code ws.idle_timeout_seconds} closed. Registered in its loop's {@code ConnectionRegistry}, whose
 * token (slot and generation) is what the swarm stores for its peers and what relays name.
 *
 * <p>It remembers the info hashes it announced (at most {@link #MAX_TORRENTS}); when it closes,
 * one command per shard concerned drops its peers at once (commands never wait for a request
 * slot; a full command inbox is retried a few times on this loop, then counted, and the peers
 * expire instead). Only on its event loop.
 */
final class WsConnection extends ChannelInboundHandlerAdapter {
    /** Torrents one connection may announce (a browser seeding many torrents uses one socket). */
    static final int MAX_TORRENTS = 1024;
    private static final int CLOSE_RETRIES = 50;
    private static final long CLOSE_RETRY_MILLIS = 20;

    private final WsSettings settings;
    WsLoop loop;
    Channel channel;
    long token = ConnectionRegistry.NONE;
    boolean open;
    boolean flushPending;
    boolean ipv6;
    long address0;
    long address1;
    private long[] hashes = new long[3 * 4];
    /** Idle checks in a row that found the connection silent (see {@link WsSettings#silenceCheckSeconds}). */
    private int silentChecks;
    private int hashCount;

    WsConnection(WsSettings settings) {
        this.settings = settings;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
        loop = settings.loopOf(channel.eventLoop());
        if (channel.remoteAddress() instanceof InetSocketAddress remote) {
            InetAddress ip = remote.getAddress();
            byte[] raw = ip.getAddress();
            if (ip instanceof Inet4Address) {
                address0 = ByteBuffer.wrap(raw).getInt() & 0xFFFF_FFFFL;
            } else {
                ipv6 = true;
                address0 = ByteBuffer.wrap(raw).getLong(0);
                address1 = ByteBuffer.wrap(raw).getLong(8);
            }
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof WebSocketServerProtocolHandler.HandshakeComplete) {
            token = loop.connections.register(channel);
            if (token == ConnectionRegistry.NONE) {
                loop.metrics.error(WsMetrics.Reason.MAX_CONNECTIONS);
                close(WebSocketCloseStatus.TRY_AGAIN_LATER);
                return;
            }
            open = true;
            loop.metrics.opened();
        } else if (event instanceof ChannelInputShutdownEvent) {
            // the client closed its side without a Close frame (a killed tab or process): connections
            // upgraded on the HTTP port allow half-closure, so without this the peer and its peer id
            // would stay until the idle timeout
            ctx.close();
        } else if (event instanceof IdleStateEvent idle) {
            if (idle.state() != IdleState.READER_IDLE) return;
            // one event per silenceCheckSeconds without a byte read; the first since a read is marked
            silentChecks = idle.isFirst() ? 1 : silentChecks + 1;
            if ((long) silentChecks * settings.silenceCheckSeconds() >= settings.idleTimeoutSeconds()) {
                loop.metrics.error(WsMetrics.Reason.IDLE_TIMEOUT);
                close(WebSocketCloseStatus.NORMAL_CLOSURE);
            } else if (open) {
                ctx.writeAndFlush(new PingWebSocketFrame(), ctx.voidPromise());
            }
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof TextWebSocketFrame || msg instanceof BinaryWebSocketFrame) {
                loop.metrics.traffic.received(ipv6, ((WebSocketFrame) msg).content().readableBytes());
            }
            if (!open) return;
            if (msg instanceof TextWebSocketFrame text) {
                ByteBuf content = text.content();
                if (Utf8Text.isValid(content, content.readerIndex(), content.writerIndex())) {
                    loop.onMessage(this, content);
                } else { // RFC 6455 8.1 (Netty's per-frame check is off: this one is cheaper, see Utf8Text)
                    loop.metrics.error(WsMetrics.Reason.PROTOCOL_ERROR);
                    close(WebSocketCloseStatus.INVALID_PAYLOAD_DATA);
                }
            } else if (msg instanceof BinaryWebSocketFrame) {
                loop.metrics.error(WsMetrics.Reason.BINARY_FRAME);
                close(WebSocketCloseStatus.INVALID_MESSAGE_TYPE);
            } else if (msg instanceof WebSocketFrame) {
                // ping, pong and close are answered by the protocol handler before this one
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        loop.endReadBatch();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof TooLongFrameException) {
            loop.metrics.error(WsMetrics.Reason.FRAME_TOO_LARGE);
            close(WebSocketCloseStatus.MESSAGE_TOO_BIG);
        } else if (cause instanceof CorruptedFrameException) {
            // the frame decoder has sent its close (1002, or 1009 for a frame past max_frame_bytes,
            // counted as a message past it is, under frame_too_large)
            boolean tooBig = cause instanceof CorruptedWebSocketFrameException c
                && c.closeStatus().code() == WebSocketCloseStatus.MESSAGE_TOO_BIG.code();
            loop.metrics.error(tooBig ? WsMetrics.Reason.FRAME_TOO_LARGE : WsMetrics.Reason.PROTOCOL_ERROR);
            channel.close();
        } else {
            channel.close(); // connection reset and the like: nothing to tell
        }
    }

    private void close(WebSocketCloseStatus status) {
        open = false;
        channel.writeAndFlush(new CloseWebSocketFrame(status)).addListener(f -> channel.close());
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        open = false;
        if (token != ConnectionRegistry.NONE && loop.connections.remove(token)) {
            loop.metrics.closed();
            dropPeers(hashes, hashCount);
        }
        ctx.fireChannelInactive();
    }

    /**
     * Whether an open channel's peer is an IPv6 address, as the {@code ipv6} field says for this
     * connection's: for counting relays by their recipient's IP version without a pipeline
     * lookup (a channel caches its remote address, so this allocates nothing).
     */
    static boolean ipv6(Channel channel) {
        return channel.remoteAddress() instanceof InetSocketAddress remote
            && !(remote.getAddress() instanceof Inet4Address);
    }

    /**
     * Remembers a torrent this connection announces to; false when it already holds
     * {@link #MAX_TORRENTS} others.
     */
    boolean remember(long h0, long h1, int h2) {
        for (int i = 0; i < hashCount; i++) {
            int at = 3 * i;
            if (hashes[at] == h0 && hashes[at + 1] == h1 && (int) hashes[at + 2] == h2) return true;
        }
        if (hashCount == MAX_TORRENTS) return false;
        if (3 * hashCount == hashes.length) hashes = Arrays.copyOf(hashes, hashes.length * 2);
        int at = 3 * hashCount++;
        hashes[at] = h0;
        hashes[at + 1] = h1;
        hashes[at + 2] = h2;
        return true;
    }

    /** An announce answered after the close: its peer may have been added after the drop. */
    void dropAgain(long h0, long h1, int h2) {
        dropPeers(new long[] {h0, h1, h2}, 1);
    }

    /** One command per shard that owns some of {@code list}'s torrents. */
    private void dropPeers(long[] list, int count) {
        if (count == 0) return;
        SwarmEngine engine = settings.engine();
        int shards = engine.shards();
        int[] perShard = new int[shards];
        int[] shardOf = new int[count];
        for (int i = 0; i < count; i++) {
            int s = engine.shardOf(list[3 * i], list[3 * i + 1], (int) list[3 * i + 2]);
            shardOf[i] = s;
            perShard[s]++;
        }
        int loopIndex = loop.index;
        long connection = token;
        for (int s = 0; s < shards; s++) {
            if (perShard[s] == 0) continue;
            long[] mine = new long[3 * perShard[s]];
            int n = 0;
            for (int i = 0; i < count; i++) {
                if (shardOf[i] != s) continue;
                System.arraycopy(list, 3 * i, mine, 3 * n++, 3);
            }
            int hashesInShard = n;
            send(s, shard -> shard.dropWsConnection(loopIndex, connection, mine, hashesInShard), CLOSE_RETRIES);
        }
    }

    private void send(int shard, trackerd.swarm.ShardCommand command, int triesLeft) {
        if (settings.engine().execute(shard, command)) return;
        if (triesLeft == 0 || channel.eventLoop().isShuttingDown()) {
            loop.metrics.error(WsMetrics.Reason.CLOSE_COMMAND_LOST);
            return;
        }
        channel.eventLoop().schedule(() -> send(shard, command, triesLeft - 1), CLOSE_RETRY_MILLIS,
            TimeUnit.MILLISECONDS);
    }

}
