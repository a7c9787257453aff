package trackerd.ws.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolConfig;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import trackerd.access.AccessList;
import trackerd.config.TrackerConfig;
import trackerd.loop.LoopContexts;
import trackerd.metrics.MetricBank;
import trackerd.net.SocketAddresses;
import trackerd.swarm.CrossNodeRelays;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.WsRelayDoor;

/**
 * The WebTorrent tracker over WebSocket (issue 12): listeners on {@code ws.listen} (ws://) and
 * {@code ws.tls_listen} (wss://) addresses, any path, and {@link #open} for connections that the
 * HTTP front end hands over after an {@code Upgrade: websocket} request on its addresses.
 *
 * <p>Pipeline of a connection: {@code [tls] -> ws-idle -> ws-http (HttpServerCodec) ->
 * ws-aggregate -> ws-gate (ws.max_connections: 503) -> ws-protocol (Netty's handshake and
 * framing; no extensions, so no per-message compression; ping/close answered; frames past
 * ws.max_frame_bytes closed with 1009) -> ws-frames (joins continuation frames, same bound) ->
 * ws-connection (UTF-8 checked per message, 1007)}. Outgoing messages are written as whole
 * frames ({@link TextFrames}), so Netty's frame encoder passes them through. Every connection lives on one of the shared socket-worker loops; each loop's
 * state is a {@link WsLoop}, numbered by the order of the group's loops (the index the swarm
 * stores with each peer).
 */
public final class WsFrontEnd implements AutoCloseable {
    private final WsSettings settings;
    /** Immutable, so one for every connection (made per connection it was 72 bytes of each one's heap). */
    private final WebSocketServerProtocolConfig protocol;
    private final List<Channel> listeners = new ArrayList<>();
    private final List<InetSocketAddress> bound = new ArrayList<>();
    private final List<InetSocketAddress> tlsBound = new ArrayList<>();

    private WsFrontEnd(WsSettings settings) {
        this.settings = settings;
        this.protocol = WebSocketServerProtocolConfig.newBuilder()
            .websocketPath("/")
            .checkStartsWith(true) // any path: ws://host:port and ws://host:port/announce alike
            .handleCloseFrames(true)
            // WsConnection writes its own Close frame with the status that fits (or the frame decoder
            // has sent one); Netty's default would add a second, 1000 "Bye", to every close
            .sendCloseFrame(null)
            .dropPongFrames(true)
            .handshakeTimeoutMillis(10_000)
            .decoderConfig(WebSocketDecoderConfig.newBuilder()
                .maxFramePayloadLength(settings.maxFrameBytes())
                .allowExtensions(false)
                .expectMaskedFrames(true)
                .closeOnProtocolViolation(true)
                .withUTF8Validator(false) // WsConnection checks each message with Utf8Text: a tenth of the CPU less
                .build())
            .build();
    }

    /**
     * Sets up every loop's WebTorrent state and binds {@code ws.listen}, and {@code ws.tls_listen}
     * when {@code tls} is given. Throws with a one-line reason (e.g. address in use) after closing
     * what it bound.
     *
     * @param tls asked once per new wss connection (so a reloaded certificate takes effect for new
     *            connections); null: ws.tls_listen is not served
     */
    public static WsFrontEnd start(TrackerConfig config, EventLoopGroup group, LoopContexts contexts,
                                   AccessList accessList, MetricBank bank, SwarmEngine engine,
                                   Supplier<SslContext> tls) throws IOException {
        WsSettings settings = new WsSettings(config, accessList, engine, new WsMetrics.Definitions(bank));
        List<WsLoop> loops = new ArrayList<>();
        int count = 0;
        for (EventExecutor ignored : group) count++;
        for (EventExecutor executor : group) {
            loops.add(new WsLoop(loops.size(), count, contexts.of((EventLoop) executor), settings));
        }
        settings.setLoops(loops.toArray(new WsLoop[0]));
        WsFrontEnd front = new WsFrontEnd(settings);
        try {
            for (InetSocketAddress address : config.ws().listen()) {
                front.bound.add(front.bind(address, group, null, "ws"));
            }
            if (tls != null) {
                for (InetSocketAddress address : config.ws().tlsListen()) {
                    front.tlsBound.add(front.bind(address, group, tls, "wss"));
                }
            }
        } catch (IOException | RuntimeException e) {
            front.close();
            throw e;
        }
        return front;
    }

    private InetSocketAddress bind(InetSocketAddress address, EventLoopGroup group, Supplier<SslContext> tls,
                                   String scheme) throws IOException {
        boolean epoll = group instanceof EpollEventLoopGroup;
        ServerBootstrap bootstrap = new ServerBootstrap()
            .group(group)
            .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 1024)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel channel) {
                    ChannelPipeline p = channel.pipeline();
                    if (tls != null) p.addLast("tls", tls.get().newHandler(channel.alloc()));
                    p.addLast("ws-idle", idleHandler());
                    p.addLast("ws-http", new HttpServerCodec());
                    addWebSocketHandlers(p, "ws-http");
                }
            });
        try {
            Channel channel = bootstrap.bind(address).sync().channel();
            listeners.add(channel);
            return (InetSocketAddress) channel.localAddress();
        } catch (Exception e) {
            throw new IOException("cannot listen on " + scheme + " " + SocketAddresses.format(address) + ": "
                + e.getMessage(), e);
        }
    }

    /**
     * Reader idle only, every {@link WsSettings#silenceCheckSeconds}: {@link WsConnection} pings
     * or closes on its events. A writer or all-idle time would make Netty's handler turn every
     * write's void promise into a real one with a listener: three objects per message sent.
     */
    private IdleStateHandler idleHandler() {
        return new IdleStateHandler(settings.silenceCheckSeconds(), 0, 0, TimeUnit.SECONDS);
    }

    /** Adds the handlers after {@code after}, the HTTP codec (ours, or the door's). */
    private void addWebSocketHandlers(ChannelPipeline p, String after) {
        int max = settings.maxFrameBytes();
        p.addAfter(after, "ws-aggregate", new HttpObjectAggregator(8192));
        p.addAfter("ws-aggregate", "ws-gate", new WsUpgradeGate(settings));
        p.addAfter("ws-gate", "ws-protocol", new WebSocketServerProtocolHandler(protocol));
        p.addAfter("ws-protocol", "ws-frames", new WebSocketFrameAggregator(max));
        p.addAfter("ws-frames", "ws-connection", new WsConnection(settings));
    }

    /**
     * The HTTP front end's door (its {@code WebSocketDoor}): a connection of an HTTP address sent
     * {@code Upgrade: websocket}. Installs an HTTP codec and the WebSocket handlers after
     * {@code http}, and replaces the HTTP read timeout with the WebSocket idle handler; the HTTP
     * handler then fires {@code request} (the raw upgrade request and what followed it) into
     * them and leaves. On the connection's event loop; does not touch {@code request}.
     */
    public void open(ChannelHandlerContext http, ByteBuf request) {
        ChannelPipeline p = http.pipeline();
        ChannelHandler idle = p.get(IdleStateHandler.class);
        if (idle != null) p.remove(idle);
        p.addAfter(http.name(), "ws-http", new HttpServerCodec());
        addWebSocketHandlers(p, "ws-http");
        p.addBefore("ws-http", "ws-idle", idleHandler());
    }

    /**
     * Cluster (issue 14): offers and answers for peers of other nodes go to {@code relays}. Set
     * once after {@link #start}; until then such relays are dropped and counted.
     */
    public void relayAcrossNodes(CrossNodeRelays relays) {
        settings.setCrossNode(relays);
    }

    /**
     * Cluster (issue 14): where a shard hands an offer or answer from another node that it routed
     * to a connection of this node: the bytes go to that connection's loop inbox (a full inbox
     * drops), and the loop writes them if the connection is still open. Any thread.
     */
    public WsRelayDoor relayDoor() {
        return (loop, connection, kind, frame, offset, length) -> {
            WsLoop[] loops = settings.loops();
            if (loop < 0 || loop >= loops.length) return false;
            RelayInbox inbox = loops[loop].inbox;
            if (!inbox.offer(new RelayMessage(frame, offset, length, connection, kind))) return false;
            try {
                inbox.wake();
            } catch (RuntimeException e) { // that loop is shutting down: its inbox is never read again
                return false;
            }
            return true;
        };
    }

    /** The loops' WebTorrent state, by index (tests). */
    WsLoop[] loopsForTest() {
        return settings.loops();
    }

    /** The bound ws:// addresses (ports resolved), in config order. */
    public List<InetSocketAddress> addresses() {
        return List.copyOf(bound);
    }

    /** The bound wss:// addresses (ports resolved), in config order. */
    public List<InetSocketAddress> tlsAddresses() {
        return List.copyOf(tlsBound);
    }

    /** Stops accepting; open connections close with the event loops. */
    @Override
    public void close() {
        for (Channel channel : listeners) channel.close().syncUninterruptibly();
        listeners.clear();
    }
}
