package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The stats page of the packaged tracker in a real browser: announces over every protocol
 * ({@link ProtocolTraffic}), then {@code /stats.json} must show them (request rates per protocol,
 * the five torrents with their peers as the top list), and headless Chromium loading {@code /stats}
 * must show the same numbers (src/test/browser/stats.mjs; Chromium and playwright-core come from
 * scripts/install-test-deps).
 */
@Timeout(120)
class StatsPageBrowserIT {
    static final Path BROWSER = Path.of("src", "test", "browser");

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void chromiumShouldShowTheNumbersOfStatsJson() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "chromium missing: run scripts/install-test-deps");
        assertTrue(Files.isDirectory(BROWSER.resolve("node_modules").resolve("playwright-core")),
            "npm playwright-core missing: run scripts/install-test-deps");
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback()) {
            String base = "http://127.0.0.1:" + tracker.port("metrics");
            List<ProtocolTraffic.Driver> drivers = ProtocolTraffic.all(tracker);
            for (ProtocolTraffic.Driver driver : drivers) driver.announce(0, 2 * ProtocolTraffic.TORRENTS);
            // each torrent: two peers per protocol; the top list comes once a view has asked for it
            String json = awaitJson(base, body -> {
                for (int t = 0; t < ProtocolTraffic.TORRENTS; t++) {
                    String hash = HexFormat.of().formatHex(ProtocolTraffic.infoHash(t));
                    Matcher m = Pattern.compile("\"info_hash\":\"" + hash + "\",\"seeders\":(\\d+),\"leechers\":(\\d+)")
                        .matcher(body);
                    if (!m.find() || Integer.parseInt(m.group(1)) + Integer.parseInt(m.group(2)) != 2 * drivers.size()) {
                        return false;
                    }
                }
                return body.contains("\"torrents\":{\"bittorrent\":" + ProtocolTraffic.TORRENTS + ",");
            });
            for (ProtocolTraffic.Driver driver : drivers) {
                Matcher rate = Pattern.compile("\"" + driver.protocol() + "\":\\{\"last_minute\":([0-9.]+)").matcher(json);
                assertTrue(rate.find() && Double.parseDouble(rate.group(1)) > 0, driver.protocol() + " requests in " + json);
            }
            String protocols = drivers.stream().map(ProtocolTraffic.Driver::protocol).collect(Collectors.joining(","));
            Process node = new ProcessBuilder("node", "stats.mjs", base, protocols).directory(BROWSER.toFile())
                .redirectErrorStream(true).start();
            String output = new String(node.getInputStream().readAllBytes());
            assertTrue(node.waitFor(90, TimeUnit.SECONDS), "stats.mjs did not end");
            assertEquals(0, node.exitValue(), "stats page in Chromium:\n" + output);
            assertTrue(output.contains("matched ") && output.contains("page reloaded itself"), output);
            System.out.println("StatsPageBrowserIT: " + output.strip());
        }
    }

    /** Polls /stats.json (each poll counts as a view, which starts the top-list walks) until it fits. */
    private String awaitJson(String base, java.util.function.Predicate<String> fits) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        String body = "";
        while (System.nanoTime() < deadline) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(base + "/stats.json")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertEquals(200, response.statusCode());
            assertEquals("application/json", response.headers().firstValue("Content-Type").orElseThrow());
            body = response.body();
            if (fits.test(body)) return body;
            Thread.sleep(250); // the snapshot changes once a second; nothing to wait on but time
        }
        throw new AssertionError("/stats.json never showed the announces: " + body);
    }
}
