package trackerd.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import io.netty.handler.ssl.SslProvider;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import trackerd.config.TlsProvider;
import trackerd.http.tls.ReloadableSslContext;
import trackerd.metrics.MetricBank;

/**
 * JDK TLS against BoringSSL (netty-tcnative) on the server side of HTTPS, as the tracker would
 * run it: the server's context comes from {@link ReloadableSslContext}, one Netty event loop
 * serves, and its thread's CPU time is what is reported, so that the figures hold on a machine
 * whose other tenants steal wall-clock time. The client is a second event loop with BoringSSL
 * (the cheaper side, so that it limits the server as little as possible).
 *
 * <p>Two loads, each for both providers and for an ECDSA P-256 and an RSA 2048 certificate made
 * by the {@code openssl} CLI:
 * <ul>
 *   <li>{@code handshake}: every connection does a full handshake (the client keeps no session,
 *       so nothing resumes), one announce-sized request and answer, and closes;</li>
 *   <li>{@code keepalive}: connections stay open and send request after request, one in flight
 *       each (the bulk cost of TLS records);</li>
 * </ul>
 * plus {@code keepalive} over plain TCP as the floor. Not a JMH benchmark: a handshake is a
 * conversation between two event loops, not a method.
 *
 * <p>{@code java -cp tracker-bench/target/benchmarks.jar trackerd.bench.TlsProviderBenchmark
 * [seconds per run, default 5] [runs, default 3] [connections, default 16]}; prints one row per
 * run and the medians.
 */
public final class TlsProviderBenchmark {
    private static final byte[] REQUEST = ("GET /announce?info_hash=%12%34%56%78%9A%BC%DE%F1%23%45%67%89%AB%CD%EF%12%34%56%78%9A"
        + "&peer_id=-TR3000-a1b2c3d4e5f6&port=51413&uploaded=0&downloaded=0&left=0&compact=1&numwant=50"
        + "&event=started HTTP/1.1\r\nHost: tracker.example.org\r\nUser-Agent: Transmission/3.00\r\n"
        + "Accept: */*\r\nAccept-Encoding: gzip;q=1.0, deflate, identity\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    /** An answer with 50 IPv4 peers (300 bytes of compact peers), as a busy swarm gives. */
    private static final byte[] RESPONSE = response(50);
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    private TlsProviderBenchmark() {}

    public static void main(String[] args) throws Exception {
        int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        int connections = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        Path dir = Files.createTempDirectory("tls-bench");
        Path[] ec = makeCertificate(dir, "ec", List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"));
        Path[] rsa = makeCertificate(dir, "rsa", List.of("-newkey", "rsa:2048"));
        SslContext client = SslContextBuilder.forClient().sslProvider(SslProvider.OPENSSL)
            .trustManager(InsecureTrustManagerFactory.INSTANCE).build();
        System.out.printf("%d s per run, %d runs, %d connections, %s transport, %d cores%n", seconds, runs,
            connections, Epoll.isAvailable() ? "epoll" : "nio", Runtime.getRuntime().availableProcessors());
        System.out.printf("%-10s %-8s %-5s %12s %16s%n", "load", "provider", "cert", "per second", "server CPU us/op");
        List<String> medians = new ArrayList<>();
        for (String load : List.of("handshake", "keepalive")) {
            for (TlsProvider provider : List.of(TlsProvider.JDK, TlsProvider.OPENSSL)) {
                for (Path[] pair : List.of(ec, rsa)) {
                    ReloadableSslContext tls = ReloadableSslContext.open(pair[0], pair[1], provider,
                        new MetricBank(new SimpleMeterRegistry()));
                    String cert = pair == ec ? "ec" : "rsa";
                    medians.add(measure(load, provider.name().toLowerCase(), cert, tls.current(), client,
                        load.equals("handshake"), seconds, runs, connections));
                }
            }
        }
        medians.add(measure("keepalive", "plain", "-", null, null, false, seconds, runs, connections));
        System.out.println("\nmedians:");
        medians.forEach(System.out::println);
    }

    private static String measure(String load, String provider, String cert, SslContext server, SslContext client,
            boolean handshakes, int seconds, int runs, int connections) throws Exception {
        double[] rates = new double[runs];
        double[] cpu = new double[runs];
        for (int run = 0; run < runs; run++) {
            double[] result = run(server, client, handshakes, seconds, connections);
            rates[run] = result[0];
            cpu[run] = result[1];
            System.out.printf("%-10s %-8s %-5s %12.0f %16.1f%n", load, provider, cert, rates[run], cpu[run]);
        }
        Arrays.sort(rates);
        Arrays.sort(cpu);
        return String.format("%-10s %-8s %-5s %12.0f %16.1f", load, provider, cert, rates[runs / 2], cpu[runs / 2]);
    }

    /** One run: a warm-up of {@code seconds}, then {@code seconds} measured; returns {ops/s, server CPU us/op}. */
    private static double[] run(SslContext serverTls, SslContext clientTls, boolean handshakes, int seconds,
            int connections) throws Exception {
        EventLoopGroup serverLoop = Epoll.isAvailable() ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        EventLoopGroup clientLoop = Epoll.isAvailable() ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        try {
            long serverThread = serverLoop.submit(() -> Thread.currentThread().getId()).get();
            Channel server = new ServerBootstrap().group(serverLoop)
                .channel(Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        if (serverTls != null) channel.pipeline().addLast(serverTls.newHandler(channel.alloc()));
                        channel.pipeline().addLast(new Responder());
                    }
                }).bind("127.0.0.1", 0).sync().channel();
            AtomicLong done = new AtomicLong();
            Client load = new Client(clientLoop, clientTls, (InetSocketAddress) server.localAddress(), handshakes, done);
            for (int i = 0; i < connections; i++) load.open();
            Thread.sleep(seconds * 1000L); // warm-up: JIT, pools
            long ops0 = done.get();
            long cpu0 = THREADS.getThreadCpuTime(serverThread);
            long t0 = System.nanoTime();
            Thread.sleep(seconds * 1000L);
            long ops = done.get() - ops0;
            long cpuNanos = THREADS.getThreadCpuTime(serverThread) - cpu0;
            double elapsed = (System.nanoTime() - t0) / 1e9;
            load.stop();
            server.close().sync();
            return new double[] {ops / elapsed, cpuNanos / 1e3 / Math.max(1, ops)};
        } finally {
            clientLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
            serverLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        }
    }

    /** Answers every request (a blank line ends it) with the fixed response; never closes. */
    private static final class Responder extends ChannelInboundHandlerAdapter {
        private static final ByteBuf ANSWER = Unpooled.unreleasableBuffer(
            Unpooled.directBuffer(RESPONSE.length).writeBytes(RESPONSE)).asReadOnly();
        /** How much of "\r\n\r\n" the bytes so far end with. */
        private int matched;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf in = (ByteBuf) msg;
            try {
                for (int i = in.readerIndex(), end = in.writerIndex(); i < end; i++) {
                    byte b = in.getByte(i);
                    matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : (b == '\r' ? 1 : 0);
                    if (matched == 4) {
                        matched = 0;
                        ctx.write(ANSWER.duplicate());
                    }
                }
            } finally {
                in.release();
            }
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            ctx.flush();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }

    /** Closed-loop clients: each connection sends a request when the previous answer is in. */
    private static final class Client {
        private final Bootstrap bootstrap;
        private final boolean handshakes;
        private final AtomicLong done;
        private volatile boolean running = true;
        /** Only the client's event loop touches it. */
        private boolean reported;

        Client(EventLoopGroup loop, SslContext tls, InetSocketAddress server, boolean handshakes, AtomicLong done) {
            this.handshakes = handshakes;
            this.done = done;
            this.bootstrap = new Bootstrap().group(loop)
                .channel(Epoll.isAvailable() ? EpollSocketChannel.class : NioSocketChannel.class)
                .remoteAddress(server)
                .handler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel channel) {
                        // no peer host: the client caches no session, so every handshake is a full one
                        if (tls != null) channel.pipeline().addLast(tls.newHandler(channel.alloc()));
                        channel.pipeline().addLast(new Connection());
                    }
                });
        }

        void open() {
            if (!running) return;
            bootstrap.connect().addListener((ChannelFutureListener) f -> {
                if (!f.isSuccess()) open();
            });
        }

        void stop() {
            running = false;
        }

        private final class Connection extends ChannelInboundHandlerAdapter {
            private int received;

            @Override
            public void channelActive(ChannelHandlerContext ctx) {
                if (ctx.pipeline().first() == this) send(ctx); // plain TCP: no handshake to wait for
                ctx.fireChannelActive();
            }

            @Override
            public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
                if (event instanceof SslHandshakeCompletionEvent completion) {
                    if (!completion.isSuccess()) {
                        ctx.close();
                        return;
                    }
                    if (!reported) { // once per run: what was negotiated
                        reported = true;
                        javax.net.ssl.SSLSession session = ctx.pipeline().get(SslHandler.class).engine().getSession();
                        System.out.printf("  negotiated %s %s%n", session.getProtocol(), session.getCipherSuite());
                    }
                    send(ctx);
                }
            }

            private void send(ChannelHandlerContext ctx) {
                ctx.writeAndFlush(Unpooled.wrappedBuffer(REQUEST));
            }

            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                received += ((ByteBuf) msg).readableBytes();
                ((ByteBuf) msg).release();
                if (received < RESPONSE.length) return;
                received -= RESPONSE.length;
                done.incrementAndGet();
                if (handshakes || !running) ctx.close(); else send(ctx);
            }

            @Override
            public void channelInactive(ChannelHandlerContext ctx) {
                if (handshakes) open();
            }

            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                ctx.close();
            }
        }
    }

    private static byte[] response(int peers) {
        String body = "d8:completei10e10:downloadedi5e10:incompletei40e8:intervali1800e12:min intervali900e5:peers"
            + peers * 6 + ":" + "x".repeat(peers * 6) + "e";
        return ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
            .getBytes(StandardCharsets.US_ASCII);
    }

    private static Path[] makeCertificate(Path dir, String name, List<String> keyArgs)
            throws IOException, InterruptedException {
        Path cert = dir.resolve(name + "-cert.pem");
        Path key = dir.resolve(name + "-key.pem");
        List<String> command = new ArrayList<>(List.of("openssl", "req", "-x509"));
        command.addAll(keyArgs);
        command.addAll(List.of("-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2",
            "-subj", "/CN=" + name));
        Process openssl = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!openssl.waitFor(60, TimeUnit.SECONDS) || openssl.exitValue() != 0) {
            throw new IOException("openssl failed: " + output);
        }
        return new Path[] {cert, key};
    }
}
