package trackerd.ws.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketClientHandshakerFactory;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketVersion;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A real WebSocket client (Netty's handshaker) that collects text messages and the close code. */
final class WsTestClient implements AutoCloseable {
    final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    final CompletableFuture<Void> handshake = new CompletableFuture<>();
    final CompletableFuture<Integer> refusedStatus = new CompletableFuture<>();
    final Channel channel;

    WsTestClient(EventLoopGroup group, InetSocketAddress server, String path, int maxFrame) throws Exception {
        String host = server.getAddress().getHostAddress();
        URI uri = new URI("ws://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + server.getPort() + path);
        WebSocketClientHandshaker handshaker = WebSocketClientHandshakerFactory.newHandshaker(uri,
            WebSocketVersion.V13, null, false, new DefaultHttpHeaders(), maxFrame);
        channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
            .handler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel ch) {
                    ch.pipeline().addLast(new HttpClientCodec(), new HttpObjectAggregator(1 << 20),
                        new SimpleChannelInboundHandler<Object>() {
                            @Override
                            public void channelActive(ChannelHandlerContext ctx) {
                                handshaker.handshake(ctx.channel());
                            }

                            @Override
                            protected void channelRead0(ChannelHandlerContext ctx, Object msg) {
                                if (!handshaker.isHandshakeComplete() && msg instanceof FullHttpResponse response) {
                                    try {
                                        handshaker.finishHandshake(ctx.channel(), response);
                                        handshake.complete(null);
                                    } catch (RuntimeException e) {
                                        refusedStatus.complete(response.status().code());
                                        handshake.completeExceptionally(e);
                                    }
                                    return;
                                }
                                if (msg instanceof TextWebSocketFrame text) {
                                    messages.add(text.text());
                                } else if (msg instanceof CloseWebSocketFrame close) {
                                    closeCode.complete(close.statusCode());
                                }
                            }

                            @Override
                            public void channelInactive(ChannelHandlerContext ctx) {
                                closeCode.complete(-1);
                                handshake.completeExceptionally(new IllegalStateException("closed"));
                            }
                        });
                }
            }).connect(server).sync().channel();
    }

    WsTestClient awaitHandshake() throws Exception {
        handshake.get(10, TimeUnit.SECONDS);
        return this;
    }

    void send(String json) {
        channel.writeAndFlush(new TextWebSocketFrame(json)).syncUninterruptibly();
    }

    void send(WebSocketFrame frame) {
        channel.writeAndFlush(frame).syncUninterruptibly();
    }

    void sendBinary(byte[] bytes) {
        send(new BinaryWebSocketFrame(Unpooled.wrappedBuffer(bytes)));
    }

    /** The next message, or fails after 10 s. */
    String next() throws InterruptedException {
        String message = messages.poll(10, TimeUnit.SECONDS);
        if (message == null) throw new AssertionError("no message within 10 s");
        return message;
    }

    /** The bytes of a message as the server sent them (UTF-8). */
    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
    }
}
