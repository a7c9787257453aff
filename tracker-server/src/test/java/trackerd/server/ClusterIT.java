package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import trackerd.cluster.RedisServer;

/**
 * Three tracker.jar processes on one real redis-server (issue 14): a libtorrent seeder announces
 * to node A over UDP and a leecher to node B over HTTP, each torrent naming only its node, and the
 * transfer completes. Node C, started only then, shows both at once by scrape: it resyncs from A's
 * and B's snapshots in Redis, not from re-announces. Then kill -9 of node A: its peers leave B and
 * C within 3 x heartbeat_seconds. Then Redis is killed and restarted (empty): an announce to B
 * during the outage reaches C through the resync that follows, without another announce.
 */
@Timeout(300)
class ClusterIT {
    static final Path SCRIPT = Path.of("src", "test", "resources", "e2e", "cluster_transfer.py");
    static final int HEARTBEAT_SECONDS = 1;

    @TempDir
    Path dir;
    private final HttpClient http = HttpClient.newHttpClient();

    static TrackerProcess node(String id, RedisServer redis) throws IOException {
        return node(id, List.of(redis));
    }

    /** A node on one Redis, or with several URLs on a Redis Cluster. */
    static TrackerProcess node(String id, List<RedisServer> redis) throws IOException {
        String urls = String.join(", ", redis.stream().map(r -> "\"" + r.url() + "\"").toList());
        TrackerProcess node = TrackerProcess.startOnLoopback(
            "--set", "udp.listen=[\"127.0.0.1:0\"]",
            "--set", "cluster.enabled=true",
            "--set", "cluster.redis=[" + urls + "]",
            "--set", "cluster.node_id=\"" + id + "\"",
            "--set", "cluster.publish_interval_ms=50",
            "--set", "cluster.heartbeat_seconds=" + HEARTBEAT_SECONDS);
        node.await(Pattern.compile("cluster: node " + id + " connected to Redis"), Duration.ofSeconds(20));
        return node;
    }

    static InetSocketAddress udp(TrackerProcess node) {
        return new InetSocketAddress("127.0.0.1", node.port("udp"));
    }

    static String httpAnnounce(TrackerProcess node) {
        return "http://127.0.0.1:" + node.port("http") + "/announce";
    }

    @Test
    void threeNodesShouldShareSwarmsResyncALateNodeLoseAKilledNodesPeersAndSurviveARedisRestart() throws Exception {
        List<TrackerProcess> late = new ArrayList<>();
        try (RedisServer redis = RedisServer.start(dir);
             TrackerProcess a = node("a", redis);
             TrackerProcess b = node("b", redis)) {
            for (TrackerProcess node : List.of(a, b)) awaitMetric(node, "tracker_cluster_nodes", 1);
            InetSocketAddress udpA = udp(a);
            InetSocketAddress udpB = udp(b);
            InetSocketAddress[] udpC = new InetSocketAddress[1];

            libtorrentTransferThroughTwoNodes("udp://127.0.0.1:" + udpA.getPort() + "/announce", httpAnnounce(b), udpB,
                hash -> {
                    // both peers are in the swarm, through A and B: C starts only now and must see them at once
                    long launched = System.nanoTime();
                    TrackerProcess c = node("c", redis);
                    long connected = System.nanoTime();
                    late.add(c);
                    udpC[0] = udp(c);
                    awaitScrape(udpC[0], hash, 2, 0, Duration.ofSeconds(15));
                    long now = System.nanoTime();
                    System.out.printf("node c, started after the transfer, showed both peers %d ms after it connected to "
                        + "Redis (%d ms after its launch)%n", TimeUnit.NANOSECONDS.toMillis(now - connected),
                        TimeUnit.NANOSECONDS.toMillis(now - launched));
                    assertTrue(metric(c, "tracker_cluster_resyncs_total\\{result=\"ok\",?\\}") >= 1,
                        "c resynced from the others' snapshots");
                });
            TrackerProcess c = late.get(0);
            awaitMetric(c, "tracker_cluster_nodes", 2);

            // a peer that stays on A, one on B; C sees both
            byte[] hash = HexFormat.of().parseHex("c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4");
            try (MemoryFloodIT.Source seeder = new MemoryFloodIT.Source(MemoryFloodIT.loopback(0, 0, 5), udpA);
                 MemoryFloodIT.Source leecher = new MemoryFloodIT.Source(MemoryFloodIT.loopback(0, 0, 6), udpB)) {
                assertEquals(1, seeder.announce(hash, 0, 1111).getInt(0));
                assertEquals(1, leecher.announce(hash, 1000, 2222).getInt(0));
            }
            awaitScrape(udpC[0], hash, 1, 1, Duration.ofSeconds(10));
            awaitScrape(udpB, hash, 1, 1, Duration.ofSeconds(10));

            a.signal("KILL");
            long killed = System.nanoTime();
            a.waitForExit(Duration.ofSeconds(10));
            Duration bound = Duration.ofSeconds(3L * HEARTBEAT_SECONDS);
            Duration slack = Duration.ofMillis(1_000); // a scrape round trip and a busy shared machine
            awaitScrape(udpC[0], hash, 0, 1, bound.plus(slack));
            awaitScrape(udpB, hash, 0, 1, bound.plus(slack));
            long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - killed);
            System.out.printf("kill -9 of node a: its seeder left b and c after %d ms (bound %d ms)%n", tookMillis,
                bound.toMillis());

            double resyncsBefore = metric(c, "tracker_cluster_resyncs_total\\{result=\"ok\",?\\}");
            redis.kill();
            for (TrackerProcess node : List.of(b, c)) {
                node.await(Pattern.compile("cluster: lost the Redis connection"), Duration.ofSeconds(10));
            }
            // announced to B while Redis is down: C hears of it only through the resync after the restart
            byte[] during = HexFormat.of().parseHex("e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4");
            try (MemoryFloodIT.Source peer = new MemoryFloodIT.Source(MemoryFloodIT.loopback(0, 0, 7), udpB)) {
                assertEquals(1, peer.announce(during, 0, 3333).getInt(0));
            }
            redis.restart(); // empty: the snapshots are written again when the nodes ask for them
            for (TrackerProcess node : List.of(b, c)) {
                node.await(Pattern.compile("cluster: Redis connection is back"), Duration.ofSeconds(20));
            }
            awaitScrape(udpC[0], during, 1, 0, Duration.ofSeconds(20));
            assertTrue(metric(c, "tracker_cluster_resyncs_total\\{result=\"ok\",?\\}") > resyncsBefore,
                "c's resync counter went up after the restart");
            awaitScrape(udpC[0], hash, 0, 1, Duration.ofSeconds(1)); // what C had it kept through the outage
        } finally {
            for (TrackerProcess c : late) c.close();
        }
    }

    /** The same three nodes on a three-master Redis Cluster (sharded pub/sub). */
    @Test
    void threeNodesShouldShareSwarmsThroughARedisCluster() throws Exception {
        List<RedisServer> masters = RedisServer.startCluster(dir);
        try (TrackerProcess a = node("a", masters);
             TrackerProcess b = node("b", masters);
             TrackerProcess c = node("c", masters)) {
            for (TrackerProcess node : List.of(a, b, c)) awaitMetric(node, "tracker_cluster_nodes", 2);
            InetSocketAddress udpA = new InetSocketAddress("127.0.0.1", a.port("udp"));
            InetSocketAddress udpB = new InetSocketAddress("127.0.0.1", b.port("udp"));
            InetSocketAddress udpC = new InetSocketAddress("127.0.0.1", c.port("udp"));
            libtorrentTransferThroughTwoNodes("udp://127.0.0.1:" + udpA.getPort() + "/announce", httpAnnounce(b), udpC,
                hash -> { });
            byte[] hash = HexFormat.of().parseHex("a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4");
            try (MemoryFloodIT.Source seeder = new MemoryFloodIT.Source(MemoryFloodIT.loopback(0, 0, 5), udpA)) {
                assertEquals(1, seeder.announce(hash, 0, 1111).getInt(0));
            }
            awaitScrape(udpC, hash, 1, 0, Duration.ofSeconds(10));
            a.signal("KILL");
            a.waitForExit(Duration.ofSeconds(10));
            awaitScrape(udpC, hash, 0, 0, Duration.ofSeconds(3L * HEARTBEAT_SECONDS + 1));
        } finally {
            for (RedisServer master : masters) master.close();
        }
    }

    /** Runs while both libtorrent peers stay in their swarm after the transfer. */
    interface WhileHeld {
        void run(byte[] infoHash) throws Exception;
    }

    /**
     * Seeder announcing to {@code seedUrl}, leecher to {@code leechUrl}, each torrent naming only
     * its node; {@code watch}'s scrape shows both seeders after the transfer, then {@code whileHeld}
     * runs before the peers leave.
     */
    private void libtorrentTransferThroughTwoNodes(String seedUrl, String leechUrl, InetSocketAddress watch,
                                                   WhileHeld whileHeld) throws Exception {
        Path work = Files.createDirectories(dir.resolve("transfer"));
        Path hold = dir.resolve("hold");
        Process python = new ProcessBuilder("/usr/bin/python3", SCRIPT.toString(), seedUrl, leechUrl,
            "127.0.0.1", work.toString(), hold.toString()).redirectErrorStream(true).start();
        try {
            List<String> out = new ArrayList<>();
            BufferedReader lines = new BufferedReader(new InputStreamReader(python.getInputStream(), StandardCharsets.UTF_8));
            String first = lines.readLine();
            out.add(first);
            assertTrue(first != null && first.startsWith("info_hash "), "script's first line: " + first);
            byte[] hash = HexFormat.of().parseHex(first.substring("info_hash ".length()).strip());
            // both peers seeders (the leecher completed through B), one download
            awaitScrape(watch, hash, 2, 0, Duration.ofSeconds(90));
            whileHeld.run(hash);
            Files.writeString(hold, "");
            for (String line; (line = lines.readLine()) != null; ) out.add(line);
            assertTrue(python.waitFor(120, TimeUnit.SECONDS), "libtorrent run did not end");
            String result = out.get(out.size() - 1);
            assertEquals(0, python.exitValue(), String.join("\n", out));
            assertTrue(result.contains("\"same_hash\": true"), "file arrived intact: " + out);
            assertTrue(!result.contains("\"finished\": false"), "both peers finished: " + out);
            assertTrue(!result.matches(".*\"tracker_errors\": \\[[^\\]].*"), "no tracker errors: " + out);
            assertTrue(result.contains("\"scrape\": {\"complete\": 2, \"incomplete\": 0, \"downloaded\": 1}"),
                "B's scrape after the transfer: two seeders, one download: " + out);
        } finally {
            python.destroyForcibly();
        }
    }

    /** BEP 15 scrape of one hash until it shows the counts, or fails after {@code within}. */
    static void awaitScrape(InetSocketAddress tracker, byte[] hash, int seeders, int leechers, Duration within)
            throws Exception {
        long deadline = System.nanoTime() + within.toNanos();
        int[] last = null;
        while (true) {
            try (MemoryFloodIT.Source s = new MemoryFloodIT.Source(MemoryFloodIT.loopback(0, 0, 9), tracker)) {
                s.socket.send(s.packet(ByteBuffer.allocate(36).putLong(s.connectionId).putInt(2)
                    .putInt(++s.transaction).put(hash)));
                ByteBuffer reply = s.receive();
                assertEquals(2, reply.getInt(0), "scrape reply");
                last = new int[] {reply.getInt(8), reply.getInt(12), reply.getInt(16)};
                if (last[0] == seeders && last[2] == leechers) return;
            }
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("scrape of " + tracker + ": seeders/completed/leechers "
                    + java.util.Arrays.toString(last) + ", expected " + seeders + " seeders, " + leechers
                    + " leechers within " + within);
            }
            TimeUnit.MILLISECONDS.sleep(20); // polling interval, bounded by the deadline
        }
    }

    /** The value of the first metrics line that {@code regex} (name and labels) matches; NaN if none. */
    private double metric(TrackerProcess tracker, String regex) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + tracker.port("metrics") + "/metrics");
        String body = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        Matcher m = Pattern.compile("(?m)^" + regex + " (\\S+)$").matcher(body);
        return m.find() ? Double.parseDouble(m.group(1)) : Double.NaN;
    }

    private void awaitMetric(TrackerProcess tracker, String name, double expected) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        URI uri = URI.create("http://127.0.0.1:" + tracker.port("metrics") + "/metrics");
        double value = Double.NaN;
        while (System.nanoTime() - deadline < 0) {
            String body = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
            Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(body);
            if (m.find()) {
                value = Double.parseDouble(m.group(1));
                if (value == expected) return;
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
        throw new AssertionError(name + " stayed at " + value + ", expected " + expected);
    }
}
