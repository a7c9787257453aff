package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real BitTorrent client (libtorrent 2.0 through Debian's python3-libtorrent): a seeder and a
 * leecher in separate processes, with DHT, LSD, UPnP, NAT-PMP and PEX off, find each other only
 * through our UDP tracker, transfer 8 MiB and verify it, then scrape the counts.
 */
@Timeout(420)
class LibtorrentUdpIT {
    static final Path SCRIPT = Path.of("src", "test", "resources", "e2e", "libtorrent_transfer.py");

    @TempDir
    Path dir;

    @Test
    void seederAndLeecherShouldFindEachOtherOnlyThroughTheTrackerOverIpv4AndIpv6() throws Exception {
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback()) {
            int port4 = listeningPort(tracker, "127\\.0\\.0\\.1");
            int port6 = listeningPort(tracker, "\\[::1\\]");
            assertTransfer("udp://127.0.0.1:" + port4 + "/announce", "127.0.0.1", dir.resolve("v4"));
            assertTransfer("udp://[::1]:" + port6 + "/announce", "::1", dir.resolve("v6"));
        }
    }

    private static int listeningPort(TrackerProcess tracker, String ip) {
        Matcher m = tracker.await(Pattern.compile("listening udp " + ip + ":(\\d+)"), Duration.ofSeconds(10));
        return Integer.parseInt(m.group(1));
    }

    private void assertTransfer(String url, String bindIp, Path work) throws IOException, InterruptedException {
        assertTransfer(List.of(), url, bindIp, bindIp, work);
    }

    /** {@code launcher}: a command prefix for the peers (e.g. {@code ip netns exec NAME}). */
    static void assertTransfer(List<String> launcher, String url, String seedIp, String leechIp, Path work)
            throws IOException, InterruptedException {
        assertTransfer(launcher, Map.of(), url, seedIp, leechIp, null, work);
    }

    /**
     * @param environment added to the peers' environment (e.g. {@code SSL_CERT_FILE} naming a test CA)
     * @param leechUrl null: both peers announce to {@code url}; else the leecher announces here
     *     only and the seeder to {@code url} only (a mixed swarm, one info hash)
     */
    static void assertTransfer(List<String> launcher, Map<String, String> environment, String url, String seedIp,
                               String leechIp, String leechUrl, Path work) throws IOException, InterruptedException {
        String out = run(launcher, environment, url, seedIp, leechIp, leechUrl, work.resolve("1"));
        String result = out.strip().lines().reduce((a, b) -> b).orElse("");
        if (result.contains("\"finished\": false") && !result.matches(".*\"tracker_errors\": \\[[^\\]].*")) {
            // both peers had their tracker answers but did not reach each other in time (a peer's
            // connection attempt lost on a busy machine; libtorrent announces again only after the
            // interval): one more attempt on a fresh torrent, the first one kept in the CI log
            System.out.println("libtorrent peers did not connect, run again:\n" + out);
            out = run(launcher, environment, url, seedIp, leechIp, leechUrl, work.resolve("2"));
            result = out.strip().lines().reduce((a, b) -> b).orElse("");
        }
        if (!result.contains("\"crashes\": 0")) {
            System.out.println("libtorrent peer crashed and was run again:\n" + out); // kept in the CI log
        }
        assertTrue(result.contains("\"same_hash\": true"), "file arrived intact: " + out);
        assertTrue(result.contains("\"leecher\": {\"role\": \"leech\", \"tracker_replies\": "), out);
        assertTrue(!result.contains("\"finished\": false"), "both peers finished: " + out);
        assertTrue(!result.matches(".*\"tracker_errors\": \\[[^\\]].*"), "no tracker errors: " + out);
        assertTrue(result.contains("\"scrape\": {\"complete\": 2, \"incomplete\": 0, \"downloaded\": 1}"),
            "scrape after the transfer: two seeders, one download: " + out);
    }

    private static String run(List<String> launcher, Map<String, String> environment, String url, String seedIp,
                              String leechIp, String leechUrl, Path work) throws IOException, InterruptedException {
        Files.createDirectories(work);
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of("/usr/bin/python3", SCRIPT.toString(), url, seedIp, work.toString(), leechIp));
        if (leechUrl != null) command.add(leechUrl);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process python = builder.start();
        assertTrue(python.waitFor(200, TimeUnit.SECONDS), "libtorrent run did not end");
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, python.exitValue(), out);
        return out;
    }
}
