package trackerd.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static trackerd.loadtest.LoadTestRun.assertClean;
import static trackerd.loadtest.LoadTestRun.number;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ws mode for a few seconds against bittorrent-tracker (the WebTorrent tracker most sites
 * run), over ws and wss: announces with offers, offers relayed to other clients, answered, and
 * the answers relayed back.
 */
@Timeout(60)
class WsLoadTestIT {
    @TempDir
    Path dir;

    @Test
    void saturationShouldRelayOffersAndAnswers() throws Exception {
        try (ReferenceTrackers.Started node = ReferenceTrackers.bittorrentTracker(dir)) {
            Map<String, String> report = LoadTestRun.run(dir, "ws", "--target", "ws://127.0.0.1:" + node.port(),
                "--duration", "3", "--workers", "2", "--connections", "40");
            assertClean(report);
            assertTrue(number(report, "responses_per_second.announce") > 50, report.toString());
            assertTrue(number(report, "responses_per_second.scrape") > 5, report.toString());
            double offers = number(report, "relayed_per_second.offers_received");
            assertTrue(offers > 50, report.toString());
            assertEquals(offers, number(report, "relayed_per_second.answers_sent"), 0.001, "every offer answered");
            assertTrue(number(report, "relayed_per_second.answers_received") > offers / 2, report.toString());
        }
    }

    @Test
    void fixedRateOverTlsAndIpv6ShouldSendAboutTheRate() throws Exception {
        try (ReferenceTrackers.Started node = ReferenceTrackers.bittorrentTracker(dir)) {
            Map<String, String> report = LoadTestRun.run(dir, "ws", "--target", "wss://[::1]:" + node.tlsPort(),
                "--duration", "3", "--rate", "200", "--connections", "20");
            assertClean(report);
            assertEquals(200, number(report, "requests_per_second.total"), 25, report.toString());
            assertTrue(number(report, "relayed_per_second.answers_received") > 0, report.toString());
        }
    }
}
