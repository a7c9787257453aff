package trackerd.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
            "ws.enabled=false", "metrics.enabled=false", "workers.socket_workers=1",
            // one load generator host creates far more torrents than the per-address budget allows
            "limits.new_torrents_per_address_burst=0")), (t, e) -> e.printStackTrace());
        return SocketAddresses.format(tracker.udpAddresses().get(0));
    }

    @Test
    void saturationRunShouldSeeOnlyValidRepliesOverIpv4() throws Exception {
        String target = startTracker("127.0.0.1:0");
        Map<String, String> report = LoadTestRun.run(dir, "udp", "--target", "udp://" + target + "/announce",
            "--duration", "3", "--set", "workload.connect_weight=5");
        LoadTestRun.assertClean(report);
        assertTrue(Double.parseDouble(report.get("responses_per_second.announce")) > 100, report.toString());
        assertTrue(Double.parseDouble(report.get("responses_per_second.scrape")) > 10, report.toString());
        assertTrue(Double.parseDouble(report.get("peers_per_announce_reply")) > 1, report.toString());
    }

    @Test
    void fixedRateRunShouldSendAboutTheRateOverIpv6() throws Exception {
        String target = startTracker("[::1]:0");
        Map<String, String> report = LoadTestRun.run(dir, "udp", "--target", target, "--duration", "3", "--rate", "2000",
            "--workers", "2", "--connections", "4");
        assertEquals("0", report.get("invalid_replies"));
        assertEquals("0", report.get("timeouts"));
        double sent = Double.parseDouble(report.get("requests_per_second.total"));
        assertEquals(2000, sent, 150, report.toString());
        assertTrue(Double.parseDouble(report.get("latency_ms.p99")) < 1000, report.toString());
    }

    /** A host name was refused as "not an IP literal". */
    @Test
    void hostNameTargetShouldBeResolved() throws Exception {
        int port = Integer.parseInt(startTracker("127.0.0.1:0").replaceAll(".*:", ""));
        Map<String, String> report = LoadTestRun.run(dir, "udp", "--target", "udp://localhost:" + port + "/announce",
            "--duration", "1");
        LoadTestRun.assertClean(report);
    }

    /** It used to end in "java.lang.IllegalStateException: not every udp session could connect...". */
    @Test
    void silentTargetShouldEndNonZeroWithOneClearLine() throws Exception {
        int port;
        try (java.net.DatagramSocket nobody = new java.net.DatagramSocket(0)) {
            port = nobody.getLocalPort();
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(err, true, StandardCharsets.UTF_8);
        int code = LoadTestMain.run(new String[] {"udp", "--target", "udp://127.0.0.1:" + port + "/announce",
            "--duration", "1", "--connections", "2", "--set", "run.progress=false"}, stream, stream);
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals(1, code, text);
        assertEquals("loadtest: cannot reach a udp tracker at 127.0.0.1:" + port + ": no reply to BEP 15 connect "
            + "requests within 10 s; is the tracker running there, and is the address right?\n", text);
    }

    @Test
    void badArgumentsShouldExitTwo() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertEquals(2, LoadTestMain.run(new String[] {"udp", "--duration", "0"}, stream, stream));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("run.duration_seconds"), err.toString());
        assertEquals(2, LoadTestMain.run(new String[] {"udp", "--bogus", "1"}, stream, stream));
        assertEquals(2, LoadTestMain.run(new String[] {"http", "--target", "udp://127.0.0.1:1"}, stream, stream));
        assertEquals(2, LoadTestMain.run(new String[] {"ws", "--set", "workload.connect_weight=1"}, stream, stream));
    }
}
