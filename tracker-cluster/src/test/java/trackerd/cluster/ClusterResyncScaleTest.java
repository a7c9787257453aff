package trackerd.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import trackerd.swarm.AnnounceEvent;
import trackerd.swarm.SwarmRequest;
import trackerd.swarm.SwarmShard;

/**
 * The figure in docs/benchmarks.md "Cluster sync": node a holds 1,048,576 IPv4 peers of its own
 * over 104,858 torrents; node b starts and resyncs them from a's snapshot in Redis. Prints the
 * snapshot's size in Redis, a's save time and b's load time. A measurement, not a check: runs
 * only with {@code -Dtrackerd.scale=true}.
 */
@Timeout(600)
class ClusterResyncScaleTest {
    static final int PEERS = 1 << 20;
    static final int PER_TORRENT = 10;
    static final trackerd.config.TrackerConfig.Limits LIMITS =
        new trackerd.config.TrackerConfig.Limits(1_000_000, 1_000, 64, 4_000_000, 0, 1);

    @TempDir
    Path dir;

    @Test
    void resyncOfAMillionPeers() throws Exception {
        assumeTrue(Boolean.getBoolean("trackerd.scale"), "a measurement: -Dtrackerd.scale=true");
        try (RedisServer redis = RedisServer.start(dir)) {
            ClusterResyncTest.Node a = new ClusterResyncTest.Node("a", redis.url(), 300, LIMITS);
            try {
                fill(a);
                ClusterResyncTest.Node b;
                long started = System.nanoTime();
                b = new ClusterResyncTest.Node("b", redis.url(), 300, LIMITS);
                try {
                    ClusterResyncTest.await("b resynced a", 300_000, () -> b.counter("tracker_cluster_resyncs", "ok") >= 1);
                    long wall = System.nanoTime() - started;
                    assertEquals(PEERS, b.remotePeers());
                    String bytes = redis.command("STRLEN trackerd:snapshot:a");
                    System.out.printf("snapshot of a in Redis: %s bytes for %d peers (%.2f bytes a peer); a's save "
                            + "%.0f ms; b's resync %.0f ms (from the request to the live stream), %.0f ms from b's start%n",
                        bytes.substring(1), PEERS, Long.parseLong(bytes.substring(1)) / (double) PEERS,
                        a.gauge("tracker_cluster_snapshot_duration_seconds") * 1e3,
                        b.gauge("tracker_cluster_resync_duration_seconds") * 1e3, wall / 1e6);
                    System.out.println("redis used_memory: " + redis.command("MEMORY USAGE trackerd:snapshot:a"));
                    System.out.printf("a's longest slice: %.2f ms, %.2f ms CPU%n",
                        a.gauge("tracker_cluster_snapshot_longest_slice_seconds") * 1e3,
                        a.gauge("tracker_cluster_snapshot_longest_slice_cpu_seconds") * 1e3);
                    // b now holds a million remote peers: its own snapshot walks them all and leaves them out
                    double saved = b.counter("tracker_cluster_snapshots", "ok");
                    redis.command("SET trackerd:snapshot-wanted:b 999999999");
                    ClusterResyncTest.await("b saved again", 60_000, () -> b.counter("tracker_cluster_snapshots", "ok") > saved);
                    System.out.printf("b's snapshot with 1 M remote peers and none of its own: %.0f peers, %.0f bytes, "
                            + "%.0f ms, longest slice %.2f ms (%.2f ms CPU)%n", b.gauge("tracker_cluster_snapshot_peers"),
                        b.gauge("tracker_cluster_snapshot_bytes"), b.gauge("tracker_cluster_snapshot_duration_seconds") * 1e3,
                        b.gauge("tracker_cluster_snapshot_longest_slice_seconds") * 1e3,
                        b.gauge("tracker_cluster_snapshot_longest_slice_cpu_seconds") * 1e3);
                } finally {
                    b.close();
                }
            } finally {
                a.close();
            }
        }
    }

    /** PEERS announces on a, each shard's share in one command on its own thread. */
    static void fill(ClusterResyncTest.Node node) throws Exception {
        int torrents = PEERS / PER_TORRENT + 1;
        List<CompletableFuture<Void>> done = new java.util.ArrayList<>();
        int[] made = new int[1];
        for (int shard = 0; shard < node.engine.shards(); shard++) {
            int mine = shard;
            CompletableFuture<Void> f = new CompletableFuture<>();
            done.add(f);
            node.engine.execute(shard, s -> {
                SwarmRequest r = SwarmRequest.detached(0);
                int tick = SwarmShard.tick(node.clock.nowSeconds());
                int n = 0;
                for (int t = 0; t < torrents; t++) {
                    if (node.engine.shardOf(ClusterNodeTest.hash0(t), t, t) != mine) continue;
                    for (int p = 0; p < PER_TORRENT && (long) t * PER_TORRENT + p < PEERS; p++) {
                        r.infoHash0 = ClusterNodeTest.hash0(t);
                        r.infoHash1 = t;
                        r.infoHash2 = t;
                        r.address0 = (10L << 24) + (long) t * PER_TORRENT + p;
                        r.port = 6881;
                        r.event = AnnounceEvent.STARTED;
                        r.seeder = p == 0;
                        r.numwant = 0;
                        s.announce(r, tick);
                        n++;
                    }
                }
                synchronized (made) {
                    made[0] += n;
                }
                f.complete(null);
            });
        }
        CompletableFuture.allOf(done.toArray(new CompletableFuture[0])).get(120, TimeUnit.SECONDS);
        assertEquals(PEERS, made[0]);
    }
}
