package trackerd.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import trackerd.runtime.WorkerThreadFactory;

/**
 * Serves {@code GET /metrics} on its own address and thread, away from the socket workers:
 * scrapes are rare, so the JDK's small HTTP server is enough and keeps Netty's loops for traffic.
 */
public final class MetricsServer implements AutoCloseable {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private final HttpServer server;
    private final ExecutorService executor;

    public MetricsServer(TrackerMetrics metrics, InetSocketAddress address, WorkerThreadFactory threads)
            throws IOException {
        server = HttpServer.create(address, 16);
        executor = Executors.newSingleThreadExecutor(threads);
        server.setExecutor(executor);
        server.createContext("/", exchange -> {
            try (exchange) {
                String path = exchange.getRequestURI().getPath();
                if (!"GET".equals(exchange.getRequestMethod()) && !"HEAD".equals(exchange.getRequestMethod())) {
                    send(exchange, 405, "text/plain", "method not allowed\n");
                } else if ("/metrics".equals(path)) {
                    send(exchange, 200, CONTENT_TYPE, metrics.scrape());
                } else {
                    send(exchange, 404, "text/plain", "not found: metrics are at /metrics\n");
                }
            }
        });
        server.start();
    }

    private static void send(HttpExchange exchange, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", type);
        boolean head = "HEAD".equals(exchange.getRequestMethod());
        exchange.sendResponseHeaders(status, head ? -1 : bytes.length);
        if (!head) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    public InetSocketAddress address() {
        return server.getAddress();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
