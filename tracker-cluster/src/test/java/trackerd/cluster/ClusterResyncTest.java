package trackerd.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import trackerd.swarm.AnnounceEvent;
import trackerd.swarm.SwarmRequest;

/**
 * Snapshots in Redis and the resync from them (issue 14), on a real redis-server: a node that
 * starts after the others have peers gets them from their snapshots (not from re-announces); a
 * node's snapshot holds its own peers only; after a Redis restart the nodes resync what the
 * outage lost; a snapshot peer never overrides a newer local announce.
 */
@Timeout(90)
class ClusterResyncTest {
    @TempDir
    Path dir;
    RedisServer redis;
    Node a;
    Node b;

    /** ClusterNodeTest's node, with this node's snapshot refreshed every {@code snapshotSeconds}. */
    static final class Node extends ClusterNodeTest.Node {
        Node(String id, String redisUrl, int snapshotSeconds) {
            super(id, List.of(redisUrl), snapshotSeconds);
        }

        Node(String id, String redisUrl, int snapshotSeconds, trackerd.config.TrackerConfig.Limits limits) {
            super(id, List.of(redisUrl), snapshotSeconds, limits);
        }

        double counter(String name, String result) {
            var c = bank.registry().find(name).tag("result", result).functionCounter();
            return c == null ? Double.NaN : c.count();
        }

        double counter2(String name, String tag, String value) {
            var search = bank.registry().find(name);
            if (tag != null) search = search.tag(tag, value);
            var c = search.functionCounter();
            return c == null ? Double.NaN : c.count();
        }

        double gauge(String name) {
            var g = bank.registry().find(name).gauge();
            return g == null ? Double.NaN : g.value();
        }

        long remotePeers() throws Exception {
            long total = 0;
            for (int shard = 0; shard < engine.shards(); shard++) {
                java.util.concurrent.CompletableFuture<Long> f = new java.util.concurrent.CompletableFuture<>();
                assertTrue(engine.execute(shard, s -> f.complete(s.remotePeers())));
                total += f.get(10, TimeUnit.SECONDS);
            }
            return total;
        }
    }

    @AfterEach
    void close() throws Exception {
        if (a != null) a.close();
        if (b != null) b.close();
        if (redis != null) redis.close();
    }

    static void await(String what, long withinMillis, Check check) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(withinMillis);
        while (!check.ok()) {
            assertTrue(System.nanoTime() - deadline < 0, what + " within " + withinMillis + " ms");
            TimeUnit.MILLISECONDS.sleep(20); // polling, bounded by the deadline
        }
    }

    interface Check {
        boolean ok() throws Exception;
    }

    @Test
    void aNodeStartedLaterShouldGetTheOthersPeersFromTheirSnapshot() throws Exception {
        redis = RedisServer.start(dir);
        a = new Node("a", redis.url(), 300);
        for (int t = 1; t <= 50; t++) {
            for (int host = 1; host <= 3; host++) a.announce(t, host, AnnounceEvent.STARTED, host == 1);
        }
        a.announce(1, 1, AnnounceEvent.COMPLETED, true); // already a seeder: no download, nothing to publish
        a.announce(2, 9, AnnounceEvent.COMPLETED, false); // one download of torrent 2
        // published before b exists: pub/sub keeps nothing, so b can only get them from a's snapshot
        await("a published its changes", 5_000, () -> a.counter2("tracker_cluster_changes", "direction", "out") >= 151);
        long started = System.nanoTime();
        b = new Node("b", redis.url(), 1);
        for (int t = 1; t <= 50; t++) ClusterNodeTest.awaitPeers(b, t, t == 2 ? 4 : 3, 15_000);
        System.out.printf("b had a's 151 peers %d ms after it started%n",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        assertEquals(151, b.remotePeers(), "a's peers are remote on b");
        assertEquals(0, b.counter2("tracker_cluster_changes", "direction", "in"), "none came through the stream");
        await("b's resync counted", 5_000, () -> b.counter("tracker_cluster_resyncs", "ok") >= 1);
        assertEquals(151, b.counter2("tracker_cluster_resync_peers", null, null));
        assertEquals(0, b.counter("tracker_cluster_resyncs", "failed"));
        assertEquals(1, b.announce(2, 250, AnnounceEvent.NONE, false).completed, "the download count came along");
        b.announce(2, 250, AnnounceEvent.STOPPED, false);
        // b's own snapshot (every second) holds none of a's peers: a torrent of b's own makes it non-empty
        b.announce(77, 5, AnnounceEvent.STARTED, false);
        await("b's snapshot with its one peer", 10_000, () -> b.gauge("tracker_cluster_snapshot_peers") == 1);
        assertTrue(redis.command("STRLEN trackerd:snapshot:b").startsWith(":"));
        long ttl = Long.parseLong(redis.command("TTL trackerd:snapshot:b").substring(1));
        assertTrue(ttl > 0 && ttl <= 60, "a TTL of three intervals, at least a minute: " + ttl);
        // and a hears of it through the stream
        ClusterNodeTest.awaitPeers(a, 77, 1, 5_000);
    }

    @Test
    void afterARedisRestartTheNodesShouldResyncWhatTheOutageLost() throws Exception {
        redis = RedisServer.start(dir);
        a = new Node("a", redis.url(), 300);
        b = new Node("b", redis.url(), 300);
        ClusterNodeTest.awaitEachOther(a, b);
        a.announce(2, 1, AnnounceEvent.STARTED, false);
        ClusterNodeTest.awaitPeers(b, 2, 1, 5_000);
        await("b's first resync of a", 15_000, () -> b.cluster.pendingResyncs() == 0
            && b.counter("tracker_cluster_resyncs", "ok") >= 1);
        double before = b.counter("tracker_cluster_resyncs", "ok");
        redis.kill();
        a.announce(2, 2, AnnounceEvent.STARTED, true); // lost: nobody hears it
        a.announce(2, 1, AnnounceEvent.STOPPED, false); // lost too
        b.announce(3, 7, AnnounceEvent.STARTED, false);
        redis.restart(); // empty: no snapshot survives; the nodes ask each other for fresh ones
        ClusterNodeTest.awaitPeers(b, 2, 2, 30_000); // host 2 from the resync, host 1 left to expire
        ClusterNodeTest.awaitPeers(a, 3, 1, 30_000);
        SwarmRequest reply = b.announce(2, 250, AnnounceEvent.NONE, false);
        assertEquals(1, reply.seeders, "host 2, a seeder, came with a's snapshot without announcing again");
        await("b counted the resync", 10_000, () -> b.counter("tracker_cluster_resyncs", "ok") > before);
    }

    @Test
    void aSnapshotPeerShouldNeverOverrideANewerLocalAnnounce() throws Exception {
        redis = RedisServer.start(dir);
        a = new Node("a", redis.url(), 300);
        b = new Node("b", redis.url(), 300);
        ClusterNodeTest.awaitEachOther(a, b);
        a.announce(5, 1, AnnounceEvent.STARTED, false);
        ClusterNodeTest.awaitPeers(b, 5, 1, 5_000);
        redis.kill();
        // the client moved to b and finished there: a seeder now, as new or newer (in a tie, a seeder
        // beats a leecher whichever node it is on, so the move is to a seeder)
        b.announce(5, 1, AnnounceEvent.NONE, true);
        a.announce(6, 2, AnnounceEvent.STARTED, false); // lost: b sees a gap in a's stream and resyncs a
        double before = b.counter("tracker_cluster_resyncs", "ok");
        redis.restart();
        await("b resynced a", 30_000, () -> b.counter("tracker_cluster_resyncs", "ok") > before);
        SwarmRequest reply = b.announce(5, 250, AnnounceEvent.NONE, false);
        assertEquals(1, reply.seeders, "a's snapshot (host 1 a leecher) did not override b's newer local announce");
        assertEquals(1, reply.leechers, "the scraping host only");
        ClusterNodeTest.awaitPeers(b, 6, 1, 5_000); // the resync brought what a announced during the outage
    }
}
