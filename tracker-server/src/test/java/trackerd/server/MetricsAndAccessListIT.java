package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(60)
class MetricsAndAccessListIT {
    static final String A = "0123456789abcdef0123456789abcdef01234567";
    static final String B = "fedcba9876543210fedcba9876543210fedcba98";
    static final String C = "1111111111111111111111111111111111111111";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void metricsShouldAnswerInPrometheusTextFormat() throws Exception {
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback()) {
            HttpResponse<String> response = get(tracker, "/metrics");
            assertEquals(200, response.statusCode());
            assertEquals("text/plain; version=0.0.4; charset=utf-8",
                response.headers().firstValue("Content-Type").orElseThrow());
            assertTrue(response.body().contains("# TYPE jvm_memory_used_bytes gauge"), response.body());
            assertTrue(response.body().contains("process_uptime_seconds"), response.body());
            assertEquals(404, get(tracker, "/nothing").statusCode());
        }
    }

    @Test
    void accessListShouldReloadOnFileChangeAndOnSigusr1AndKeepTheOldListWhenBad() throws Exception {
        Path list = dir.resolve("allowed.txt");
        Files.writeString(list, A + "\n");
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback(
                "--set", "access_list.mode=\"allow\"", "--set", "access_list.path=\"" + list + "\"")) {
            assertEquals(1, metric(tracker, "tracker_access_list_hashes"));
            double reloads = metric(tracker, "tracker_access_list_reloads_total\\{result=\"ok\"\\}");

            // a change to the file is picked up without a signal
            Files.writeString(list, A + "\n" + B + "\n");
            awaitMetric(tracker, "tracker_access_list_hashes", 2);

            // same size, same inode, old timestamp: invisible to the watcher, seen on SIGUSR1
            FileTime stamp = Files.getLastModifiedTime(list);
            double before = metric(tracker, "tracker_access_list_reloads_total\\{result=\"ok\"\\}");
            Files.writeString(list, A + "\n" + C + "\n");
            Files.setLastModifiedTime(list, stamp);
            tracker.signal("USR1");
            awaitMetric(tracker, "tracker_access_list_reloads_total\\{result=\"ok\"\\}", before + 1);
            assertTrue(before > reloads);

            // a bad file keeps the old list and says so
            Files.writeString(list, A + "\nnot a hash at all\n");
            awaitMetric(tracker, "tracker_access_list_last_reload_ok", 0);
            assertEquals(2, metric(tracker, "tracker_access_list_hashes"));
            tracker.await(Pattern.compile("reload failed, keeping the previous 2 info hashes: .* line 2"),
                Duration.ofSeconds(5));
        }
    }

    private void awaitMetric(TrackerProcess tracker, String name, double expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        double value;
        do {
            value = metric(tracker, name);
            if (value == expected) return;
            Thread.onSpinWait();
        } while (System.nanoTime() < deadline);
        throw new AssertionError(name + " stayed at " + value + ", expected " + expected + "\n" + tracker.output());
    }

    private double metric(TrackerProcess tracker, String name) throws Exception {
        Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(get(tracker, "/metrics").body());
        if (!m.find()) throw new AssertionError("no metric " + name);
        return Double.parseDouble(m.group(1));
    }

    private HttpResponse<String> get(TrackerProcess tracker, String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + tracker.port("metrics") + path);
        return http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString());
    }
}
