package trackerd.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import trackerd.runtime.WorkerThreadFactory;

/** The metrics endpoint on real loopback sockets, port 0. */
@Timeout(30)
class MetricsServerTest {
    private final TrackerMetrics metrics = new TrackerMetrics();
    private MetricsServer server;

    private MetricsServer start(String host) throws IOException {
        server = new MetricsServer(metrics, new InetSocketAddress(host, 0),
            new WorkerThreadFactory("metrics-test", (t, e) -> e.printStackTrace()));
        return server;
    }

    @AfterEach
    void stop() {
        if (server != null) server.close();
        metrics.close();
    }

    /**
     * accept(2) failing (EMFILE when descriptors run out) pauses accepting for a second and then
     * serves again; Netty's acceptor also passed each failure on to the pipeline's tail, which
     * logged its stack trace every second.
     */
    @Test
    void anAcceptFailureShouldPauseAcceptingForASecondThenServeAgain() throws Exception {
        int port = start("127.0.0.1").address().getPort();
        io.netty.channel.Channel listener = server.listener();
        java.util.concurrent.atomic.AtomicReference<Throwable> atTail = new java.util.concurrent.atomic.AtomicReference<>();
        listener.pipeline().addLast(new io.netty.channel.ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(io.netty.channel.ChannelHandlerContext ctx, Throwable cause) {
                atTail.set(cause); // where Netty's tail would log it with its stack trace
            }
        });
        listener.pipeline().fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (listener.config().isAutoRead() && System.nanoTime() < deadline) Thread.sleep(5);
        assertTrue(!listener.config().isAutoRead(), "paused");
        while (!listener.config().isAutoRead() && System.nanoTime() < deadline) Thread.sleep(20);
        assertTrue(listener.config().isAutoRead(), "accepting again within a few seconds");
        assertEquals(null, atTail.get(), "handled once, not passed on to be logged with its stack");
        HttpResponse<String> scrape = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, scrape.statusCode());
    }

    /** The JDK HttpServer bound 0.0.0.0 as [::]: an IPv6 client got in. */
    @Test
    void ipv4WildcardShouldRefuseIpv6() throws Exception {
        int port = start("0.0.0.0").address().getPort();
        assertConnects("127.0.0.1", port);
        assertThrows(ConnectException.class, () -> connect("::1", port));
    }

    @Test
    void ipv6WildcardShouldServeBothFamiliesAsLinuxDualStackDoes() throws Exception {
        int port = start("::").address().getPort();
        assertConnects("::1", port);
        assertConnects("127.0.0.1", port);
    }

    @Test
    void ipv6LoopbackShouldRefuseIpv4() throws Exception {
        int port = start("::1").address().getPort();
        assertConnects("::1", port);
        assertThrows(ConnectException.class, () -> connect("127.0.0.1", port));
    }

    @Test
    void shouldAnswerScrapesInPrometheusTextFormatAndRefuseOtherPathsAndMethods() throws Exception {
        int port = start("127.0.0.1").address().getPort();
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + port + "/metrics");
        HttpResponse<String> ok = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode());
        assertEquals(MetricsServer.CONTENT_TYPE, ok.headers().firstValue("Content-Type").orElseThrow());
        assertTrue(ok.body().contains("# TYPE jvm_memory_used_bytes gauge"), ok.body());
        // a second request on the same kept-alive connection
        assertEquals(200, http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding())
            .statusCode());
        HttpResponse<String> head = http.send(HttpRequest.newBuilder(uri).method("HEAD", HttpRequest.BodyPublishers.noBody())
            .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, head.statusCode());
        assertEquals("", head.body());
        assertEquals(404, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/x")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode());
        assertEquals(405, http.send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString("x")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode());
    }

    @Test
    void shouldServeThePagesOfItsSourceOnceSetWithNoCachingAndAStrictContentPolicy() throws Exception {
        int port = start("127.0.0.1").address().getPort();
        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + port + "/stats?x=1");
        assertEquals(404, http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding())
            .statusCode(), "no source yet");
        server.serve(path -> "/stats".equals(path)
            ? new PageSource.Page("text/html; charset=utf-8", "<p>\u00e9</p>".getBytes(java.nio.charset.StandardCharsets.UTF_8))
            : null);
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertEquals("<p>\u00e9</p>", page.body());
        assertEquals("text/html; charset=utf-8", page.headers().firstValue("Content-Type").orElseThrow());
        assertEquals("no-store", page.headers().firstValue("Cache-Control").orElseThrow());
        assertEquals("default-src 'none'; style-src 'unsafe-inline'",
            page.headers().firstValue("Content-Security-Policy").orElseThrow());
        assertEquals(404, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/other")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode(), "a path the source does not know");
        assertEquals(200, http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode());
    }

    @Test
    void addressInUseShouldThrowIoException() throws Exception {
        int port = start("127.0.0.1").address().getPort();
        IOException e = assertThrows(IOException.class, () -> new MetricsServer(metrics,
            new InetSocketAddress("127.0.0.1", port), new WorkerThreadFactory("metrics-test", (t, x) -> { })));
        assertTrue(e.getMessage().contains("in use"), e.getMessage());
    }

    private static void assertConnects(String host, int port) throws IOException {
        connect(host, port);
    }

    private static void connect(String host, int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), (int) Duration.ofSeconds(2).toMillis());
        }
    }
}
