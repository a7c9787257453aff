package trackerd.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import trackerd.state.SnapshotBytes;
import trackerd.state.SnapshotCodec;
import trackerd.swarm.ChangeBuffer;

/**
 * A resync holds a node's stream (issue 14), and that node has WebTorrent peers: a snapshot
 * never holds WS peers, so their changes must not wait for it, nor be skipped as "covered" by its
 * sequence. On a real redis-server, node b is real; node x is played by the test, which publishes
 * x's messages byte for byte and decides when x's snapshot appears, so b's hold lasts exactly as
 * long as the test wants.
 */
@Timeout(60)
class ClusterResyncWebTorrentTest {
    static final int WS_TORRENT = 40;
    static final int SNAPSHOT_TORRENT = 41;
    static final int REPLAYED_TORRENT = 42;

    @TempDir
    Path dir;
    RedisServer redis;
    ClusterResyncTest.Node b;
    RedisClient client;
    StatefulRedisConnection<byte[], byte[]> x;
    ScheduledExecutorService heartbeats;
    final ChangeBatchCodec.Writer writer = new ChangeBatchCodec.Writer("x");
    long sequence; // guarded by this

    @AfterEach
    void close() throws Exception {
        if (heartbeats != null) heartbeats.shutdownNow();
        if (x != null) x.close();
        if (client != null) client.shutdown();
        if (b != null) b.close();
        if (redis != null) redis.close();
    }

    /** Publishes x's next message (the changes of {@code buffer}, none for a heartbeat); returns its sequence. */
    synchronized long publish(ChangeBuffer buffer, boolean lost) {
        writer.begin(++sequence, lost);
        if (buffer != null) {
            for (int pos = 0; pos < buffer.size(); pos = buffer.next(pos)) writer.add(buffer, pos, 100);
        }
        x.sync().publish(RedisLink.CHANNEL, writer.finish());
        return sequence;
    }

    /** A WS peer change of x (peer id words p, p, p) on torrent t, as x's shard captures it. */
    static void ws(ChangeBuffer buffer, int t, int p, int flags) {
        buffer.add(ClusterNodeTest.hash0(t), t, t, ChangeBuffer.WEBTORRENT | flags, 100, p, p, p);
    }

    /** A BitTorrent peer change of x: 10.0.0.host:6881 on torrent t. */
    static void bt(ChangeBuffer buffer, int t, int host, int flags) {
        buffer.add(ClusterNodeTest.hash0(t), t, t, flags, 100, ChangeBuffer.keyWord(false, (10L << 24) + host, 6881), 0, 0);
    }

    long wsPeers() throws Exception {
        long total = 0;
        for (int shard = 0; shard < b.engine.shards(); shard++) {
            CompletableFuture<Long> f = new CompletableFuture<>();
            assertTrue(b.engine.execute(shard, s -> f.complete(s.wsPeers())));
            total += f.get(10, TimeUnit.SECONDS);
        }
        return total;
    }

    /** x's snapshot in Redis: its own BitTorrent peer 10.0.0.1 on SNAPSHOT_TORRENT, covering sequence s. */
    void writeSnapshot(long s) {
        SnapshotBytes.Writer snapshot = new SnapshotBytes.Writer(SnapshotKeys.ENVELOPE_BYTES, 1, 7, System.currentTimeMillis());
        SnapshotCodec.BlockEncoder block = new SnapshotCodec.BlockEncoder(1024);
        block.begin(System.currentTimeMillis() / 1000);
        block.torrent(ClusterNodeTest.hash0(SNAPSHOT_TORRENT), SNAPSHOT_TORRENT, SNAPSHOT_TORRENT, 0, 0, 1, 0);
        block.ipv4Peer((10 << 24) + 1, 6881, false, 0);
        ByteBuffer encoded = block.finish();
        snapshot.block(encoded, 1, 1);
        byte[] value = Arrays.copyOf(snapshot.finish(), snapshot.size());
        SnapshotKeys.writeEnvelope(value, s, s);
        x.sync().set(SnapshotKeys.snapshotKey("x"), value);
    }

    @Test
    void webTorrentChangesShouldFlowWhileTheNodesStreamIsHeldAndNotBeSkippedAsCoveredBySnapshot() throws Exception {
        redis = RedisServer.start(dir);
        b = new ClusterResyncTest.Node("b", redis.url(), 300);
        client = RedisClient.create(redis.url());
        x = client.connect(ByteArrayCodec.INSTANCE);
        ClusterResyncTest.await("b subscribed", 10_000,
            () -> x.sync().pubsubNumsub(RedisLink.CHANNEL).values().stream().anyMatch(n -> n > 0));
        publish(null, true); // x's first message, as after its connect: b resyncs x, and x has no snapshot yet
        heartbeats = Executors.newSingleThreadScheduledExecutor();
        heartbeats.scheduleAtFixedRate(() -> publish(null, false), 200, 200, TimeUnit.MILLISECONDS); // x stays alive
        ClusterResyncTest.await("b holds x's stream", 5_000, () -> b.cluster.pendingResyncs() == 1);

        ChangeBuffer changes = new ChangeBuffer(256);
        ws(changes, WS_TORRENT, 1, 0); // browser 1 announces to x
        bt(changes, SNAPSHOT_TORRENT, 1, 0); // and a BitTorrent client: the snapshot will have it
        publish(changes, false);
        changes.clear();
        ws(changes, WS_TORRENT, 2, 0); // browser 2
        long covered = publish(changes, false);
        ClusterResyncTest.await("x's browsers on b while its stream is held", 5_000, () -> wsPeers() == 2);
        assertEquals(1, b.cluster.pendingResyncs(), "still held: x has no snapshot");

        changes.clear();
        ws(changes, WS_TORRENT, 1, ChangeBuffer.STOPPED); // browser 1's connection closed
        bt(changes, REPLAYED_TORRENT, 2, 0); // after the snapshot: replayed from the hold
        publish(changes, false);
        ClusterResyncTest.await("browser 1's close applied while held", 5_000, () -> wsPeers() == 1);

        writeSnapshot(covered); // covers browser 2's announce, which it does not hold
        ClusterResyncTest.await("b resynced x", 10_000, () -> b.cluster.pendingResyncs() == 0
            && b.counter("tracker_cluster_resyncs", "ok") >= 1);
        ClusterNodeTest.awaitPeers(b, SNAPSHOT_TORRENT, 1, 5_000); // from the snapshot
        ClusterNodeTest.awaitPeers(b, REPLAYED_TORRENT, 1, 5_000); // held, then replayed
        assertEquals(1, wsPeers(), "browser 2 stays (its announce was not skipped as covered), browser 1 left");
        assertEquals(0, b.counter("tracker_cluster_resyncs", "failed"));
    }

    @Test
    void aNodeHeardForTheFirstTimeShouldBeResyncedFromTheSnapshotAlreadyInRedis() throws Exception {
        redis = RedisServer.start(dir);
        b = new ClusterResyncTest.Node("b", redis.url(), 300);
        client = RedisClient.create(redis.url());
        x = client.connect(ByteArrayCodec.INSTANCE);
        ClusterResyncTest.await("b subscribed", 10_000,
            () -> x.sync().pubsubNumsub(RedisLink.CHANNEL).values().stream().anyMatch(n -> n > 0));
        // as when x connected before b: its first message went unheard, its snapshot (written right after
        // it connected) covers it, and b first hears x's second message
        sequence = 1;
        writeSnapshot(1);
        ChangeBuffer changes = new ChangeBuffer(256);
        bt(changes, REPLAYED_TORRENT, 2, 0);
        publish(changes, false);
        heartbeats = Executors.newSingleThreadScheduledExecutor();
        heartbeats.scheduleAtFixedRate(() -> publish(null, false), 200, 200, TimeUnit.MILLISECONDS); // x stays alive

        ClusterResyncTest.await("b resynced x", 5_000, () -> b.counter("tracker_cluster_resyncs", "ok") >= 1);
        ClusterNodeTest.awaitPeers(b, SNAPSHOT_TORRENT, 1, 5_000);
        ClusterNodeTest.awaitPeers(b, REPLAYED_TORRENT, 1, 5_000); // the first message heard: held, replayed
        assertEquals(0L, x.sync().exists(SnapshotKeys.wantedKey("x")),
            "held from its first message, x's snapshot of sequence 1 did: no fresh one asked for");
        assertEquals(0, b.cluster.pendingResyncs());
    }

    @Test
    void aNodeRestartedUnderTheSameIdShouldBeHeardAgainAndItsOldPeersDropped() throws Exception {
        int oldTorrent = 43;
        redis = RedisServer.start(dir);
        b = new ClusterResyncTest.Node("b", redis.url(), 300);
        client = RedisClient.create(redis.url());
        x = client.connect(ByteArrayCodec.INSTANCE);
        ClusterResyncTest.await("b subscribed", 10_000,
            () -> x.sync().pubsubNumsub(RedisLink.CHANNEL).values().stream().anyMatch(n -> n > 0));
        writeSnapshot(1);
        publish(null, true); // x's first life: sequence 1, covered by its snapshot
        ChangeBuffer changes = new ChangeBuffer(256);
        bt(changes, oldTorrent, 5, 0);
        publish(changes, false);
        for (int i = 0; i < 5; i++) publish(null, false); // sequence 7
        ClusterNodeTest.awaitPeers(b, oldTorrent, 1, 5_000);

        // kill -9 and a start under the same node_id: no LEAVING, numbering from 1 again
        synchronized (this) {
            sequence = 0;
            x.sync().del(SnapshotKeys.snapshotKey("x")); // as a new process does at its first connect
            writeSnapshot(1);
            changes.clear();
            bt(changes, REPLAYED_TORRENT, 2, 0);
            publish(null, true);
            publish(changes, false);
        }
        heartbeats = Executors.newSingleThreadScheduledExecutor();
        heartbeats.scheduleAtFixedRate(() -> publish(null, false), 200, 200, TimeUnit.MILLISECONDS);

        ClusterNodeTest.awaitPeers(b, REPLAYED_TORRENT, 1, 5_000); // before: taken for a repeat of sequence 2
        ClusterNodeTest.awaitPeers(b, SNAPSHOT_TORRENT, 1, 5_000); // the new life's snapshot
        ClusterNodeTest.awaitPeers(b, oldTorrent, 0, 5_000); // the old life's peer is gone at once
    }

    @Test
    void withoutDownloadsShouldStepOverAWebTorrentChangeByItsOwnLength() {
        ChangeBuffer buffer = new ChangeBuffer(256);
        // a WebTorrent change whose info hash and peer id bytes all have bit 3 (COMPLETED) set
        buffer.add(-1L, -1L, -1, ChangeBuffer.WEBTORRENT | ChangeBuffer.COMPLETED, 100, -1L, -1L, 0xFFFF_FFFFL);
        bt(buffer, 3, 1, ChangeBuffer.COMPLETED);
        ChangeBatchCodec.Writer w = new ChangeBatchCodec.Writer("x");
        w.begin(5, false);
        for (int pos = 0; pos < buffer.size(); pos = buffer.next(pos)) w.add(buffer, pos, 100);
        byte[] message = w.finish();
        int changesAt = 3 + 1 + 8 + 2; // version, flags, id length, "x", sequence, count
        byte[] expected = message.clone();
        expected[changesAt] = (byte) ChangeBuffer.WEBTORRENT; // the WS change's flags, COMPLETED cleared
        int second = changesAt + ChangeBatchCodec.WEBTORRENT_CHANGE_BYTES;
        expected[second] = 0; // the IPv4 change's flags, COMPLETED cleared; nothing else changes

        ClusterResync.withoutDownloads(message, new ChangeBatchCodec.Header());

        assertArrayEquals(expected, message);
        assertEquals("x", new String(message, 3, 1, StandardCharsets.UTF_8));
    }
}
