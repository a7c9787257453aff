package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A real Prometheus (Debian's package, installed by scripts/test) scrapes the tracker. */
@Timeout(90)
class PrometheusScrapeIT {
    static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void prometheusShouldScrapeTheMetricsEndpoint() throws Exception {
        assertTrue(Files.isExecutable(PROMETHEUS), "prometheus is not installed: run scripts/install-test-deps");
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback()) {
            int metricsPort = tracker.port("metrics");
            Path config = dir.resolve("prometheus.yml");
            Files.writeString(config, """
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: trackerd
                    static_configs:
                      - targets: ['127.0.0.1:%d']
                """.formatted(metricsPort));
            int webPort = freePort();
            Process prometheus = new ProcessBuilder(PROMETHEUS.toString(),
                "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + webPort)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
            try {
                awaitQuery(webPort, "up{job=\"trackerd\"} == 1");
                awaitQuery(webPort, "jvm_memory_used_bytes{job=\"trackerd\"}");
                awaitQuery(webPort, "tracker_access_list_last_reload_ok{job=\"trackerd\"}");
            } finally {
                prometheus.destroy();
                prometheus.waitFor();
            }
        }
    }

    /** Waits until the instant query returns at least one series. */
    private void awaitQuery(int port, String query) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + port + "/api/v1/query?query="
            + URLEncoder.encode(query, StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            try {
                body = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
                if (body.contains("\"status\":\"success\"") && body.contains("\"metric\":")) return;
            } catch (java.io.IOException e) {
                body = e.toString(); // not listening yet
            }
            Thread.sleep(200); // polling an external process that has no event to wait on
        }
        throw new AssertionError("Prometheus never returned " + query + ": " + body);
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
