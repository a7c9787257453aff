package trackerd.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static trackerd.loadtest.LoadTestRun.assertClean;
import static trackerd.loadtest.LoadTestRun.number;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import trackerd.config.ConfigLoader;
import trackerd.net.SocketAddresses;
import trackerd.server.Daemon;

/** The http mode for a few seconds against trackerd's own HTTP front end on ephemeral loopback ports. */
@Timeout(60)
class TrackerdHttpLoadTestIT {
    @TempDir
    Path dir;

    private Daemon tracker;

    @AfterEach
    void stop() {
        if (tracker != null) tracker.close();
    }

    String startTracker(String listen, String... sets) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("http.listen=[\"" + listen + "\"]", "udp.enabled=false",
            "ws.enabled=false", "metrics.enabled=false", "workers.socket_workers=1",
            // one load generator host creates far more torrents than the per-address budget allows
            "limits.new_torrents_per_address_burst=0"));
        all.addAll(List.of(sets));
        tracker = Daemon.start(ConfigLoader.load(null, all), (t, e) -> e.printStackTrace());
        return SocketAddresses.format(tracker.httpAddresses().get(0));
    }

    @Test
    void keepAliveSaturationShouldSeeOnlyValidRepliesOverIpv4() throws Exception {
        String target = startTracker("127.0.0.1:0");
        Map<String, String> report = LoadTestRun.run(dir, "http", "--target", "http://" + target + "/announce",
            "--duration", "3");
        assertClean(report);
        assertTrue(number(report, "responses_per_second.announce") > 100, report.toString());
        assertTrue(number(report, "responses_per_second.scrape") > 10, report.toString());
        assertTrue(number(report, "peers_per_announce_reply") > 1, report.toString());
    }

    @Test
    void aConnectionPerRequestShouldSeeOnlyValidRepliesOverIpv6OnAnInlineEngine() throws Exception {
        String target = startTracker("[::1]:0", "workers.swarm_workers=0");
        Map<String, String> report = LoadTestRun.run(dir, "http", "--target", "http://" + target + "/announce",
            "--duration", "2", "--set", "http.keep_alive=false");
        assertClean(report);
        assertTrue(number(report, "connections_opened") > 100, report.toString());
        assertTrue(number(report, "peers_per_announce_reply") > 1, "peers6 from an IPv6 swarm: " + report);
    }

    @Test
    void errorRepliesShouldCountOnlyRequestsSentInTheMeasuredWindow() throws Exception {
        // an empty allow list: every announce is answered with a failure reason
        Path allow = Files.writeString(dir.resolve("allow.txt"), "# no info hash is served\n");
        String target = startTracker("127.0.0.1:0", "access_list.mode=\"allow\"",
            "access_list.path=\"" + allow + "\"");
        Map<String, String> report = LoadTestRun.run(dir, "http", "--target", "http://" + target + "/announce",
            "--duration", "2", "--set", "workload.scrape_weight=0", "--set", "workload.announce_weight=100");
        long sent = Math.round(number(report, "requests_per_second.announce") * number(report, "seconds"));
        assertTrue(sent > 100, report.toString());
        // one error reply per announce of the window; the warm-up's (README: "not counted") are not added
        assertEquals(sent, Long.parseLong(report.get("error_replies")), report.toString());
        assertEquals("0", report.get("invalid_replies"), report.toString());
        assertEquals("0", report.get("timeouts"), report.toString());
    }
}
