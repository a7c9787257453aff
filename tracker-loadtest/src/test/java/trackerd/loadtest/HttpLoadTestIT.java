package trackerd.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static trackerd.loadtest.LoadTestRun.assertClean;
import static trackerd.loadtest.LoadTestRun.number;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The http mode for a few seconds against real trackers on loopback: opentracker (plain HTTP,
 * closes every connection after its reply) and bittorrent-tracker over HTTPS; and a target
 * that refuses connections.
 */
@Timeout(60)
class HttpLoadTestIT {
    @TempDir
    Path dir;

    @Test
    void saturationAgainstOpentrackerShouldSeeOnlyValidReplies() throws Exception {
        try (ReferenceTrackers.Started opentracker = ReferenceTrackers.opentracker(dir)) {
            Map<String, String> report = LoadTestRun.run(dir, "http",
                "--target", "http://127.0.0.1:" + opentracker.port() + "/announce", "--duration", "3");
            assertClean(report);
            assertTrue(number(report, "responses_per_second.announce") > 100, report.toString());
            assertTrue(number(report, "responses_per_second.scrape") > 10, report.toString());
            assertTrue(number(report, "peers_per_announce_reply") > 1, report.toString());
            assertTrue(number(report, "connections_opened") > 100, "opentracker closes after each reply: " + report);
        }
    }

    @Test
    void fixedRateWithoutKeepAliveShouldSendAboutTheRate() throws Exception {
        try (ReferenceTrackers.Started opentracker = ReferenceTrackers.opentracker(dir)) {
            Map<String, String> report = LoadTestRun.run(dir, "http", "--target", "127.0.0.1:" + opentracker.port(),
                "--duration", "3", "--rate", "500", "--workers", "2", "--connections", "16",
                "--set", "http.keep_alive=false");
            assertClean(report);
            assertEquals(500, number(report, "requests_per_second.total"), 50, report.toString());
            assertTrue(number(report, "connections_opened") >= 3 * 450, "a connection per request: " + report);
        }
    }

    @Test
    void httpsAnnouncesOverIpv6ToBittorrentTrackerShouldBeValid() throws Exception {
        try (ReferenceTrackers.Started node = ReferenceTrackers.bittorrentTracker(dir)) {
            // announces only: bittorrent-tracker 11 writes scrape keys as UTF-8 (see the next test)
            Map<String, String> report = LoadTestRun.run(dir, "http",
                "--target", "https://[::1]:" + node.tlsPort() + "/announce", "--duration", "2",
                "--set", "workload.scrape_weight=0");
            assertClean(report);
            assertTrue(number(report, "responses_per_second.announce") > 50, report.toString());
            assertTrue(number(report, "peers_per_announce_reply") > 1, "peers6 from an IPv6 swarm: " + report);
        }
    }

    @Test
    void scrapeValidationShouldCatchBittorrentTrackersUtf8InfoHashKeys() throws Exception {
        try (ReferenceTrackers.Started node = ReferenceTrackers.bittorrentTracker(dir)) {
            Map<String, String> report = LoadTestRun.run(dir, "http",
                "--target", "http://127.0.0.1:" + node.port() + "/announce", "--duration", "1",
                "--set", "workload.announce_weight=0");
            assertEquals(0, number(report, "responses_per_second.scrape"), report.toString());
            assertTrue(number(report, "invalid_replies") > 0, report.toString());
            assertEquals("scrape reply names an info hash that was not asked for", report.get("first_invalid_reply"));
        }
    }

    @Test
    void aTargetThatRefusesConnectionsShouldEndTheRunWithTheReason() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0)) {
            port = closed.getLocalPort();
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(err, true, StandardCharsets.UTF_8);
        int code = LoadTestMain.run(new String[] {"http", "--target", "http://127.0.0.1:" + port + "/announce",
            "--connections", "2", "--duration", "1", "--set", "run.progress=false"}, stream, stream);
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, text);
        assertEquals("loadtest: cannot reach a http tracker at 127.0.0.1:" + port + ": connect failed: Connection "
            + "refused (retried for 10 s); is the tracker running there, and is the address right?\n", text);
    }
}
