package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prometheus's own linter ({@code promtool check metrics}, Debian's {@code prometheus} package)
 * finds nothing to say about any {@code tracker_*} family of the packaged tracker: units in the
 * name, {@code _total} on counters only, help text, no reserved suffixes. Every front end is on
 * (HTTPS too, so the {@code tracker_tls_*} families are there) and has served announces, so the
 * families that appear with traffic are checked as well. JVM and process families are
 * Micrometer's and not ours to rename.
 */
@Timeout(90)
class PromtoolMetricsIT {
    static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    @TempDir
    Path dir;

    @Test
    void promtoolShouldReportNothingAboutTrackerMetrics() throws Exception {
        assertTrue(Files.isExecutable(PROMTOOL), "promtool is not installed: run scripts/install-test-deps");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        TlsReloadIT.makePair("localhost", cert, key);
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback("--set", "http.tls.listen=[\"127.0.0.1:0\"]",
                "--set", "http.tls.cert_path=\"" + cert + "\"", "--set", "http.tls.key_path=\"" + key + "\"")) {
            for (ProtocolTraffic.Driver driver : ProtocolTraffic.all(tracker)) driver.announce(0, 10);
            ProtocolTraffic.ws(tracker.port("http")).announce(0, 10);
            String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + tracker.port("metrics") + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
            for (String family : List.of("tracker_requests_total", "tracker_peers", "tracker_connections",
                    "tracker_tls_certificate_expiry_timestamp_seconds")) {
                assertTrue(metrics.contains("# TYPE " + family + " "), family + " missing from:\n" + metrics);
            }
            Path exposition = dir.resolve("metrics.txt");
            Files.writeString(exposition, metrics);
            Process promtool = new ProcessBuilder(PROMTOOL.toString(), "check", "metrics")
                .redirectInput(exposition.toFile()).redirectErrorStream(true).start();
            String output = new String(promtool.getInputStream().readAllBytes());
            assertTrue(promtool.waitFor(30, TimeUnit.SECONDS), "promtool did not end");
            System.out.println("promtool check metrics (exit " + promtool.exitValue() + "):\n" + output);
            List<String> ours = output.lines().filter(line -> line.contains("tracker_")).toList();
            assertEquals(List.of(), ours, "promtool on tracker_* metrics");
        }
    }
}
