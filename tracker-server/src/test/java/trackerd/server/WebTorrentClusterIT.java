package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import trackerd.cluster.RedisServer;

/**
 * WebTorrent through two tracker.jar nodes on one real redis-server (issue 14): a browser's peer
 * on node B is a peer on node A; an offer from a client on A reaches the client on B, its answer
 * comes back to A, and an answer without a pending offer is refused. Then two headless Chromium
 * processes: one seeds through A's ws URL, the other downloads through B's alone, bytes matching
 * (the harness of {@link WebTorrentBrowserIT}).
 */
@Timeout(300)
class WebTorrentClusterIT {
    /** Binary: control chars, quote, backslash, bytes above 0x7F, as JSON escapes (cf. WsTrackerIT). */
    static final String BINARY_HASH = "\\u0000\\u0001\\n\\\"\\\\\\u007f\\u0080\\u00ff" + "cccccccccccc";
    /** As the encoder writes it: controls, quote and backslash escaped, 0x7F-0xFF as chars. */
    static final String BINARY_HASH_OUT = "\\u0000\\u0001\\n\\\"\\\\" + "\u007f\u0080\u00ff" + "cccccccccccc";
    static final String OFFER = "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\na=x \\\"q\\\" \\u00e9\"}";
    static final String ANSWER = "{\"type\":\"answer\",\"sdp\":\"v=0\\r\\na=y\"}";
    static final String OFFER_ID = "OOOOOOOOOOOOOOOOOOO1";
    static final String OFFERER = "-WW0001-oooooooooooo";
    static final String ANSWERER = "-WW0001-aaaaaaaaaaaa";

    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newHttpClient();

    static TrackerProcess node(String id, RedisServer redis, String... more) throws IOException {
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of(
            "--set", "ws.listen=[\"127.0.0.1:0\"]",
            "--set", "cluster.enabled=true",
            "--set", "cluster.redis=[\"" + redis.url() + "\"]",
            "--set", "cluster.node_id=\"" + id + "\"",
            "--set", "cluster.publish_interval_ms=50",
            "--set", "cluster.heartbeat_seconds=1"));
        args.addAll(java.util.List.of(more));
        TrackerProcess node = TrackerProcess.startOnLoopback(args.toArray(new String[0]));
        node.await(Pattern.compile("cluster: node " + id + " connected to Redis"), Duration.ofSeconds(20));
        return node;
    }

    /** A WebSocket client (the JDK's) that queues every text message it receives. */
    static final class Client implements WebSocket.Listener, AutoCloseable {
        final LinkedBlockingQueue<String> messages = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        final WebSocket socket;

        Client(HttpClient http, int port) throws Exception {
            socket = http.newWebSocketBuilder().buildAsync(URI.create("ws://127.0.0.1:" + port + "/announce"), this)
                .get(10, TimeUnit.SECONDS);
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        void send(String text) throws Exception {
            socket.sendText(text, true).get(10, TimeUnit.SECONDS);
        }

        String next() throws InterruptedException {
            String m = messages.poll(10, TimeUnit.SECONDS);
            assertNotNull(m, "no message within 10 s");
            return m;
        }

        @Override
        public void close() {
            socket.abort();
        }
    }

    static String announce(String peerId, String extra) {
        return "{\"numwant\":5,\"uploaded\":0,\"downloaded\":0,\"left\":100,\"event\":\"started\",\"action\":\"announce\","
            + "\"info_hash\":\"" + BINARY_HASH + "\",\"peer_id\":\"" + peerId + "\"" + extra + "}";
    }

    static String answer(String from, String to, String offerId) {
        return "{\"action\":\"announce\",\"info_hash\":\"" + BINARY_HASH + "\",\"peer_id\":\"" + from
            + "\",\"to_peer_id\":\"" + to + "\",\"answer\":" + ANSWER + ",\"offer_id\":\"" + offerId + "\"}";
    }

    /** Scrapes over a fresh ws connection until the torrent shows {@code leechers} leechers. */
    void awaitLeechers(HttpClient client, int port, int leechers) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        String last = null;
        try (Client scraper = new Client(client, port)) {
            while (true) {
                scraper.send("{\"action\":\"scrape\",\"info_hash\":\"" + BINARY_HASH + "\"}");
                last = scraper.next();
                Matcher m = Pattern.compile("\"incomplete\":(\\d+)").matcher(last);
                if (m.find() && Integer.parseInt(m.group(1)) == leechers) return;
                assertTrue(System.nanoTime() - deadline < 0, "scrape on port " + port + ": " + last + ", expected "
                    + leechers + " leechers");
                TimeUnit.MILLISECONDS.sleep(20); // polling interval, bounded by the deadline
            }
        }
    }

    /** tracker_ws_relays_total{kind, result} of a node. */
    double wsRelays(TrackerProcess tracker, String kind, String result) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + tracker.port("metrics") + "/metrics");
        String body = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^tracker_ws_relays_total\\{([^}]*)\\} (\\S+)$").matcher(body);
        while (m.find()) {
            if (m.group(1).contains("kind=\"" + kind + "\"") && m.group(1).contains("result=\"" + result + "\"")) {
                return Double.parseDouble(m.group(2));
            }
        }
        return 0;
    }

    /** tracker_cluster_ws_relays_total{direction, result} of a node. */
    double relays(TrackerProcess tracker, String direction, String result) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + tracker.port("metrics") + "/metrics");
        String body = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^tracker_cluster_ws_relays_total\\{([^}]*)\\} (\\S+)$").matcher(body);
        while (m.find()) {
            if (m.group(1).contains("direction=\"" + direction + "\"") && m.group(1).contains("result=\"" + result + "\"")) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError("no tracker_cluster_ws_relays_total{" + direction + ", " + result + "}:\n" + body);
    }

    @Test
    void anOfferShouldCrossToTheOtherNodeAndItsAnswerComeBack() throws Exception {
        try (RedisServer redis = RedisServer.start(dir);
             TrackerProcess a = node("a", redis);
             TrackerProcess b = node("b", redis)) {
            int wsA = WebTorrentBrowserIT.port(a, "ws 127\\.0\\.0\\.1");
            int wsB = WebTorrentBrowserIT.port(b, "ws 127\\.0\\.0\\.1");
            HttpClient client = HttpClient.newHttpClient();
            try (Client answerer = new Client(client, wsB); Client offerer = new Client(client, wsA)) {
                answerer.send(announce(ANSWERER, ""));
                assertTrue(answerer.next().contains("\"incomplete\":1"));
                awaitLeechers(client, wsA, 1); // b's browser is a peer on a

                offerer.send(announce(OFFERER, ",\"offers\":[{\"offer\":" + OFFER + ",\"offer_id\":\"" + OFFER_ID
                    + "\"}]"));
                assertTrue(offerer.next().contains("\"incomplete\":2"), "the remote peer counts on a");
                assertEquals("{\"action\":\"announce\",\"info_hash\":\"" + BINARY_HASH_OUT + "\",\"peer_id\":\""
                    + OFFERER + "\",\"offer_id\":\"" + OFFER_ID + "\",\"offer\":" + OFFER + "}", answerer.next(),
                    "the offer, relayed by b from a, SDP as the offerer wrote it");

                awaitLeechers(client, wsB, 2); // the offerer is a peer on b
                answerer.send(answer(ANSWERER, OFFERER, "XXXXXXXXXXXXXXXXXXXX"));
                assertEquals("{\"failure reason\":\"no pending offer for this answer\",\"action\":\"announce\","
                    + "\"info_hash\":\"" + BINARY_HASH_OUT + "\"}", answerer.next());
                answerer.send(answer(ANSWERER, OFFERER, OFFER_ID));
                assertEquals("{\"action\":\"announce\",\"info_hash\":\"" + BINARY_HASH_OUT + "\",\"peer_id\":\""
                    + ANSWERER + "\",\"offer_id\":\"" + OFFER_ID + "\",\"answer\":" + ANSWER + "}", offerer.next(),
                    "the answer came back to a");
                answerer.send(answer(ANSWERER, OFFERER, OFFER_ID));
                assertEquals("{\"failure reason\":\"no pending offer for this answer\",\"action\":\"announce\","
                    + "\"info_hash\":\"" + BINARY_HASH_OUT + "\"}", answerer.next(), "one answer per offer");
                assertNull(offerer.messages.poll(200, TimeUnit.MILLISECONDS));
            }
            assertEquals(1, relays(a, "out", "published"));
            assertEquals(1, relays(a, "in", "delivered"));
            assertEquals(1, relays(b, "in", "delivered"));
            assertEquals(1, relays(b, "out", "published"));
            // the clients closed: their peers leave both nodes
            awaitLeechers(client, wsA, 0);
            awaitLeechers(client, wsB, 0);
            for (TrackerProcess node : java.util.List.of(a, b)) {
                assertTrue(!node.output().contains("LEAK:"), "no buffer leak (paranoid detection):\n" + node.output());
            }
        }
    }

    @Test
    void twoBrowsersShouldTransferABlobThroughTwoNodes() throws Exception {
        assertTrue(Files.isExecutable(Path.of("/usr/bin/chromium")), "chromium missing: run scripts/install-test-deps");
        assertTrue(Files.isDirectory(WebTorrentBrowserIT.BROWSER.resolve("node_modules").resolve("playwright-core")),
            "npm playwright-core/webtorrent missing: run scripts/install-test-deps");
        // as WebTorrentBrowserIT: a failed WebRTC attempt gets fresh offers within the transfer's 90 s
        String[] interval = {"--set", "swarm.announce_interval_seconds=150",
            "--set", "swarm.min_announce_interval_seconds=60"};
        try (RedisServer redis = RedisServer.start(dir);
             TrackerProcess a = node("a", redis, interval);
             TrackerProcess b = node("b", redis, interval)) {
            int wsA = WebTorrentBrowserIT.port(a, "ws 127\\.0\\.0\\.1");
            int wsB = WebTorrentBrowserIT.port(b, "ws 127\\.0\\.0\\.1");
            long started = System.nanoTime();
            WebTorrentBrowserIT.transfer("ws://127.0.0.1:" + wsA, "ws://127.0.0.1:" + wsB);
            System.out.printf("2 MiB from a browser on node a to one on node b in %d ms (browsers included); "
                + "offers sent to the other node: by a's browsers %.0f, by b's %.0f%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), wsRelays(a, "offer", "other_node"),
                wsRelays(b, "offer", "other_node"));
            assertTrue(relays(a, "in", "delivered") >= 1,
                "answers reached the seeder on a through b");
            assertTrue(relays(b, "in", "delivered") >= 1,
                "offers reached the leecher on b through a");
        }
    }
}
