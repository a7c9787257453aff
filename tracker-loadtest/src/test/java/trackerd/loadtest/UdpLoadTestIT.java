package trackerd.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import trackerd.config.ConfigLoader;
import trackerd.net.SocketAddresses;
import trackerd.server.Daemon;

/** The udp mode for a few seconds against the real tracker on ephemeral loopback ports. */
@Timeout(60)
class UdpLoadTestIT {
    @TempDir
    Path dir;

    private Daemon tracker;

    @AfterEach
    void stop() {
        if (tracker != null) tracker.close();
    }

    String startTracker(String listen) throws Exception {
        tracker = Daemon.start(ConfigLoader.load(null, List.of("udp.listen=[\"" + listen + "\"]", "http.enabled=false",
            "ws.enabled=false", "metrics.enabled=false", "workers.socket_workers=1")), (t, e) -> e.printStackTrace());
        return SocketAddresses.format(tracker.udpAddresses().get(0));
    }

    Map<String, String> run(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LoadTestMain.run(args, new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text + err);
        assertTrue(text.contains("udp load test of"), text);
        return flatJson(dir.resolve("report.json"));
    }

    static Map<String, String> flatJson(Path file) throws Exception {
        Map<String, String> values = new HashMap<>();
        try (JsonParser parser = new JsonFactory().createParser(file.toFile())) {
            String prefix = "";
            String field = null;
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token == JsonToken.FIELD_NAME) {
                    field = parser.currentName();
                } else if (token == JsonToken.START_OBJECT && field != null) {
                    prefix = field + ".";
                } else if (token == JsonToken.END_OBJECT) {
                    prefix = "";
                } else if (token.isScalarValue()) {
                    values.put(prefix + field, parser.getText());
                }
            }
        }
        return values;
    }

    @Test
    void saturationRunShouldSeeOnlyValidRepliesOverIpv4() throws Exception {
        String target = startTracker("127.0.0.1:0");
        Map<String, String> report = run("udp", "--target", "udp://" + target + "/announce", "--duration", "3",
            "--set", "run.progress=false", "--set", "workload.connect_weight=5", "--json", dir.resolve("report.json").toString());
        assertEquals("0", report.get("invalid_replies"));
        assertEquals("0", report.get("error_replies"));
        assertEquals("0", report.get("timeouts"));
        assertTrue(Double.parseDouble(report.get("responses_per_second.announce")) > 100, report.toString());
        assertTrue(Double.parseDouble(report.get("responses_per_second.scrape")) > 10, report.toString());
        assertTrue(Double.parseDouble(report.get("peers_per_announce_reply")) > 1, report.toString());
    }

    @Test
    void fixedRateRunShouldSendAboutTheRateOverIpv6() throws Exception {
        String target = startTracker("[::1]:0");
        Map<String, String> report = run("udp", "--target", target, "--duration", "3", "--rate", "2000",
            "--workers", "2", "--connections", "4", "--set", "run.progress=false",
            "--json", dir.resolve("report.json").toString());
        assertEquals("0", report.get("invalid_replies"));
        assertEquals("0", report.get("timeouts"));
        double sent = Double.parseDouble(report.get("requests_per_second.total"));
        assertEquals(2000, sent, 150, report.toString());
        assertTrue(Double.parseDouble(report.get("latency_ms.p99")) < 1000, report.toString());
    }

    @Test
    void badArgumentsShouldExitTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(2, LoadTestMain.run(new String[] {"udp", "--duration", "0"}, stream, stream));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("run.duration_seconds"), err.toString());
        assertEquals(2, LoadTestMain.run(new String[] {"udp", "--bogus", "1"}, stream, stream));
        assertEquals(2, LoadTestMain.run(new String[] {"http"}, stream, stream));
    }
}
