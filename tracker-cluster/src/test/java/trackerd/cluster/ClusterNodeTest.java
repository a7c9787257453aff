package trackerd.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import trackerd.config.TrackerConfig;
import trackerd.metrics.MetricBank;
import trackerd.runtime.TrackerClock;
import trackerd.runtime.WorkerThreadFactory;
import trackerd.swarm.AnnounceEvent;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.SwarmRequest;
import trackerd.swarm.SwarmSettings;
import trackerd.swarm.SwarmShard;

/**
 * Two nodes (engine + ClusterNode each) in one JVM on a real redis-server: an announce on one is
 * a peer on the other; a node that stops heartbeating loses its peers within 3 x heartbeat; with
 * Redis killed both keep serving, and after a restart they sync again.
 */
@Timeout(60)
class ClusterNodeTest {
    static final int HEARTBEAT_SECONDS = 1;

    @TempDir
    Path dir;
    RedisServer redis;
    List<RedisServer> redisCluster = List.of();
    Node a;
    Node b;

    /** One node: 2 swarm workers, its own clock and metrics. */
    static class Node implements AutoCloseable {
        final SwarmEngine engine;
        final ClusterNode cluster;
        final TrackerClock clock = TrackerClock.start();
        final MetricBank bank = new MetricBank(new SimpleMeterRegistry());

        Node(String id, String redisUrl) {
            this(id, List.of(redisUrl));
        }

        Node(String id, List<String> redisUrls) {
            this(id, redisUrls, 300);
        }

        Node(String id, List<String> redisUrls, int snapshotSeconds) {
            this(id, redisUrls, snapshotSeconds, new TrackerConfig.Limits(10_000, 1_000, 64, 100_000, 0, 1));
        }

        Node(String id, List<String> redisUrls, int snapshotSeconds, TrackerConfig.Limits limits) {
            SwarmSettings settings = new SwarmSettings(new TrackerConfig.Swarm(30, 15, 60, 50, 50, 60, false), limits);
            engine = new SwarmEngine(settings, 2, 256, bank, clock, new WorkerThreadFactory("swarm-" + id, null));
            engine.start();
            cluster = ClusterNode.start(new TrackerConfig.Cluster(true, redisUrls, id, 20, HEARTBEAT_SECONDS),
                engine, clock, bank, new WorkerThreadFactory("cluster-" + id, null), snapshotSeconds);
        }

        /** Runs f on the shard of torrent t's thread and returns its result. */
        <T> T onShard(int t, Function<SwarmShard, T> f) throws Exception {
            CompletableFuture<T> result = new CompletableFuture<>();
            int shard = engine.shardOf(hash0(t), t, t);
            assertTrue(engine.execute(shard, s -> result.complete(f.apply(s))));
            return result.get(10, TimeUnit.SECONDS);
        }

        SwarmRequest announce(int t, int host, AnnounceEvent event, boolean seeder) throws Exception {
            SwarmRequest r = SwarmRequest.detached(50);
            r.infoHash0 = hash0(t);
            r.infoHash1 = t;
            r.infoHash2 = t;
            r.address0 = (10L << 24) + host;
            r.port = 6881;
            r.event = event;
            r.seeder = seeder;
            r.numwant = 50;
            return onShard(t, s -> {
                s.announce(r, SwarmShard.tick(clock.nowSeconds()));
                return r;
            });
        }

        long peers(int t) throws Exception {
            SwarmRequest r = announce(t, 250, AnnounceEvent.STOPPED, false); // a stop of nobody reads the counts
            return r.seeders + r.leechers;
        }

        @Override
        public void close() {
            cluster.close();
            engine.close();
        }
    }

    static long hash0(int t) {
        return 0x7777_0000_0000_0000L + t;
    }

    /** Polls until {@code node}'s torrent t has {@code expected} peers, or fails after the bound. */
    static void awaitPeers(Node node, int t, long expected, long withinMillis) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(withinMillis);
        long seen;
        while ((seen = node.peers(t)) != expected) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("torrent " + t + ": " + seen + " peers, expected " + expected
                    + " within " + withinMillis + " ms; metrics: " + metrics(node));
            }
            TimeUnit.MILLISECONDS.sleep(10); // polling interval, bounded by the deadline
        }
    }

    static String metrics(Node node) {
        StringBuilder out = new StringBuilder();
        node.bank.registry().getMeters().forEach(m -> {
            if (m.getId().getName().startsWith("tracker_cluster")) {
                out.append(m.getId().getName()).append(m.getId().getTags()).append('=')
                    .append(m.measure().iterator().next().getValue()).append(' ');
            }
        });
        return out.toString();
    }

    /**
     * Pub/sub keeps nothing for a node not yet subscribed: changes made before both nodes hear
     * each other arrive with the snapshot resync (ClusterResyncTest), so these tests start after that.
     */
    static void awaitEachOther(Node... nodes) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        for (Node node : nodes) {
            while (node.cluster.otherNodes() < nodes.length - 1) {
                assertTrue(System.nanoTime() - deadline < 0, "nodes did not hear each other");
                TimeUnit.MILLISECONDS.sleep(10);
            }
        }
    }

    @AfterEach
    void close() throws Exception {
        if (a != null) a.close();
        if (b != null) b.close();
        if (redis != null) redis.close();
        for (RedisServer master : redisCluster) master.close();
    }

    @Test
    void aNodeStartedWhileRedisIsDownShouldServeAndJoinWhenRedisComes() throws Exception {
        redis = RedisServer.notStarted(dir);
        a = new Node("a", redis.url());
        a.announce(3, 1, AnnounceEvent.STARTED, false);
        assertEquals(1, a.peers(3), "a serves alone");
        redis.restart();
        b = new Node("b", redis.url());
        awaitEachOther(a, b); // a connected on its own (backoff at most 5 s)
        a.announce(3, 2, AnnounceEvent.STARTED, false);
        awaitPeers(b, 3, 2, 5_000); // host 2 from the stream, host 1 from a's snapshot (ClusterResync)
    }

    @Test
    void nodesShouldSyncThroughARedisClusterWithShardedPubSub() throws Exception {
        redisCluster = RedisServer.startCluster(dir);
        List<String> seeds = redisCluster.stream().map(RedisServer::url).toList();
        a = new Node("a", seeds);
        b = new Node("b", seeds);
        awaitEachOther(a, b);
        for (int t = 10; t < 20; t++) a.announce(t, 1, AnnounceEvent.STARTED, true);
        for (int t = 10; t < 20; t++) awaitPeers(b, t, 1, 5_000);
        b.announce(10, 2, AnnounceEvent.STARTED, false);
        awaitPeers(a, 10, 2, 5_000);
    }

    @Test
    void aMessageLargerThanOneShardCommandShouldArriveWholeAndInOrder() throws Exception {
        redis = RedisServer.start(dir);
        TrackerConfig.Limits limits = new TrackerConfig.Limits(10_000, 10_000, 64, 100_000, 0, 1);
        a = new Node("a", List.of(redis.url()), 300, limits);
        b = new Node("b", List.of(redis.url()), 300, limits);
        awaitEachOther(a, b);
        // one shard command on a: 3,000 peers start, then the first 500 stop, all in one publish interval,
        // so one message of 3,500 changes for one shard, which b splits into commands of 1,024
        a.onShard(5, s -> {
            int tick = SwarmShard.tick(a.clock.nowSeconds());
            SwarmRequest r = SwarmRequest.detached(50);
            for (int i = 0; i < 3_500; i++) {
                int host = i < 3_000 ? i : i - 3_000;
                r.reset();
                r.infoHash0 = hash0(5);
                r.infoHash1 = 5;
                r.infoHash2 = 5;
                r.address0 = (10L << 24) + host;
                r.port = 6881;
                r.event = i < 3_000 ? AnnounceEvent.STARTED : AnnounceEvent.STOPPED;
                r.numwant = 0;
                s.announce(r, tick);
            }
            return null;
        });
        assertTrue(ClusterNode.COMMAND_WORDS < 3_500 * 4, "the message must span several commands");
        awaitPeers(a, 5, 2_500, 5_000);
        awaitPeers(b, 5, 2_500, 5_000); // a stop applied before its start would leave 3,000
    }

    @Test
    void announcesShouldReachTheOtherNodeAndLeaveWithTheirNode() throws Exception {
        redis = RedisServer.start(dir);
        a = new Node("a", redis.url());
        b = new Node("b", redis.url());
        awaitEachOther(a, b);
        for (int host = 1; host <= 3; host++) a.announce(1, host, AnnounceEvent.STARTED, host == 1);
        b.announce(1, 9, AnnounceEvent.STARTED, false);
        awaitPeers(b, 1, 4, 5_000);
        awaitPeers(a, 1, 4, 5_000);
        SwarmRequest reply = b.announce(1, 9, AnnounceEvent.NONE, false);
        assertEquals(1, reply.seeders);
        assertEquals(3, reply.peerCount, "b hands out a's peers");
        a.announce(1, 2, AnnounceEvent.STOPPED, false);
        awaitPeers(b, 1, 3, 5_000);

        long stopped = System.nanoTime();
        a.close(); // a says it leaves: its two peers leave b at once (kill -9, heartbeats: ClusterIT)
        a = null;
        awaitPeers(b, 1, 1, 1_000);
        System.out.printf("a's peers left b %d ms after a closed%n",
            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stopped));
    }

    @Test
    void nodesShouldKeepServingWhileRedisIsDownAndSyncAgainAfter() throws Exception {
        redis = RedisServer.start(dir);
        a = new Node("a", redis.url());
        b = new Node("b", redis.url());
        awaitEachOther(a, b);
        a.announce(2, 1, AnnounceEvent.STARTED, false);
        awaitPeers(b, 2, 1, 5_000);
        redis.kill();
        a.announce(2, 2, AnnounceEvent.STARTED, false);
        assertEquals(2, a.peers(2), "a serves its own clients with Redis down");
        assertEquals(1, b.peers(2), "b keeps what it had (remote peers are not dropped while its link is down)");
        redis.restart();
        // after the reconnect (backoff at most 5 s) new announces flow again
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (b.peers(2) != 3) { // host 1 from before, host 2 from a's snapshot (resync), host 3 from after
            assertTrue(System.nanoTime() - deadline < 0, "b never saw a's announces after Redis came back");
            a.announce(2, 3, AnnounceEvent.NONE, false);
            TimeUnit.MILLISECONDS.sleep(50);
        }
    }
}
