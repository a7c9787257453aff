package trackerd.http.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslHandler;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import trackerd.config.TlsProvider;
import trackerd.http.tls.TestCertificates.Pem;
import trackerd.metrics.MetricBank;

/**
 * A JDK client does real handshakes against a Netty server whose initializer uses the context
 * the way the HTTPS listener does, with both providers: it sees the reloaded certificate on a
 * new connection while a connection opened before the reload keeps working on the old one.
 */
@Timeout(60)
class TlsHandshakeIT {
    @TempDir
    Path dir;

    private final EventLoopGroup group = new NioEventLoopGroup(1);

    @AfterEach
    void tearDown() {
        group.shutdownGracefully(0, 0, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @ParameterizedTest
    @EnumSource(value = TlsProvider.class, names = {"JDK", "OPENSSL"})
    void newConnectionsShouldGetTheReloadedCertificateWhileOpenOnesKeepGoing(TlsProvider provider) throws Exception {
        Pem one = TestCertificates.ec(dir, "one");
        Pem two = TestCertificates.rsa(dir, "two");  // another key type too: the context is rebuilt whole
        Path liveDir = Files.createDirectories(dir.resolve("live"));
        Pem live = new Pem(liveDir.resolve("cert.pem"), liveDir.resolve("key.pem"), "live");
        one.installAs(live);
        ReloadableSslContext tls = ReloadableSslContext.open(live.cert(), live.key(), provider,
            new MetricBank(new SimpleMeterRegistry()));
        Channel server = echoServer(tls);
        SSLContext client = clientTrusting(one, two);
        int port = ((InetSocketAddress) server.localAddress()).getPort();

        try (SSLSocket before = connect(client, port)) {
            assertEquals("CN=one", peerSubject(before));
            assertEquals("http/1.1", before.getApplicationProtocol(), "ALPN: http/1.1 chosen over h2");
            assertEquals("a1", echo(before, "a1"));

            two.installAs(live);
            assertTrue(tls.reload());

            try (SSLSocket after = connect(client, port)) {
                assertEquals("CN=two", peerSubject(after));
                assertEquals("b1", echo(after, "b1"));
            }
            assertEquals("a2", echo(before, "a2"), "the connection from before the reload keeps working");
            assertEquals("CN=one", peerSubject(before));
        } finally {
            server.close().syncUninterruptibly();
        }
    }

    /** Echoes what it reads, behind the SslHandler the listener makes: {@code tls.current().newHandler(alloc)}. */
    private Channel echoServer(ReloadableSslContext tls) {
        return new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
            .childHandler(new ChannelInitializer<SocketChannel>() {
                @Override
                protected void initChannel(SocketChannel channel) {
                    SslHandler handler = tls.current().newHandler(channel.alloc());
                    channel.pipeline().addLast(handler, new ChannelInboundHandlerAdapter() {
                        @Override
                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                            ctx.writeAndFlush(msg);
                        }
                    });
                }
            })
            .bind("127.0.0.1", 0).syncUninterruptibly().channel();
    }

    /** A client that trusts exactly the two test certificates (no trust-all: the chain is verified). */
    private static SSLContext clientTrusting(Pem... pems) throws Exception {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        for (Pem pem : pems) {
            try (InputStream in = Files.newInputStream(pem.cert())) {
                trusted.setCertificateEntry(pem.commonName(), x509.generateCertificate(in));
            }
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    private static SSLSocket connect(SSLContext client, int port) throws Exception {
        SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout(20_000);
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2", "http/1.1"});
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        return socket;
    }

    private static String peerSubject(SSLSocket socket) throws Exception {
        return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }

    private static String echo(SSLSocket socket, String text) throws Exception {
        byte[] sent = text.getBytes(StandardCharsets.US_ASCII);
        socket.getOutputStream().write(sent);
        socket.getOutputStream().flush();
        byte[] got = socket.getInputStream().readNBytes(sent.length);
        return new String(got, StandardCharsets.US_ASCII);
    }
}
