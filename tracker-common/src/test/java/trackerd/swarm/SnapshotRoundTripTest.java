package trackerd.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import trackerd.state.SnapshotCodec;
import trackerd.state.SnapshotCodec.Counts;
import trackerd.state.SnapshotCodec.Status;

/**
 * Property: a shard exported in slices, encoded, decoded and restored into a fresh shard (or
 * into several, routed by hash) holds the same torrents, peers, seeder flags, announce times
 * and completed counts; time passing while the tracker was down expires exactly the peers the
 * running shard would have expired.
 */
class SnapshotRoundTripTest {
    static final int TIMEOUT = SwarmShardTest.TIMEOUT_SECONDS;

    final SwarmShardTest driver = new SwarmShardTest();

    static SwarmShard newShard() {
        return new SwarmShard(SwarmShardTest.settings(100_000, 100_000), 1);
    }

    /** Random announces (both families, seeders, completions, stops) over {@code seconds}. */
    void fill(SwarmShard shard, Random random, int seconds) {
        for (int s = 0; s < seconds; s++) {
            int tick = SwarmShard.tick(s);
            for (int i = 0; i < 40; i++) {
                int torrent = random.nextInt(60);
                // a few big swarms (large form), many small ones
                int host = random.nextInt(torrent < 3 ? 200 : 4);
                int event = random.nextInt(10) < 7 ? 0 : random.nextInt(4);
                driver.announce(shard, torrent, random.nextInt(5) == 0, host, 1 + random.nextInt(2), event,
                    random.nextBoolean(), 0, tick);
            }
        }
    }

    /** Every torrent and peer as sorted strings, ages as seen at {@code tick}. */
    static List<String> contents(SwarmShard shard, int tick) {
        List<String> out = new ArrayList<>();
        SwarmSnapshotSink sink = new SwarmSnapshotSink() {
            String torrent;

            @Override
            public void torrent(long h0, long h1, int h2, int completed, int emptyFor, int n4, int n6) {
                torrent = String.format("%016x%016x%08x", h0, h1, h2);
                out.add(torrent + " completed " + completed + " empty " + emptyFor + " peers " + n4 + "+" + n6);
            }

            @Override
            public void ipv4Peer(int address, int port, boolean seeder, int age) {
                out.add(torrent + " v4 " + Integer.toHexString(address) + ":" + port + " " + seeder + " " + age);
            }

            @Override
            public void ipv6Peer(long a0, long a1, int port, boolean seeder, int age) {
                out.add(torrent + " v6 " + Long.toHexString(a0) + Long.toHexString(a1) + ":" + port + " " + seeder
                    + " " + age);
            }
        };
        for (int segment = 0; segment >= 0; ) segment = shard.exportSlice(segment, Integer.MAX_VALUE, tick, sink);
        Collections.sort(out);
        return out;
    }

    static int detachedSeen;

    /** Exports in small slices through the codec; returns the blocks. */
    static List<ByteBuffer> export(SwarmShard shard, int tick, long blockEpochSeconds) {
        List<ByteBuffer> blocks = new ArrayList<>();
        SnapshotCodec.BlockEncoder encoder = new SnapshotCodec.BlockEncoder(64);
        int segment = 0;
        int slices = 0;
        while (segment >= 0) {
            encoder.begin(blockEpochSeconds);
            segment = shard.exportSlice(segment, 7, tick, encoder);
            ByteBuffer block = encoder.finish();
            blocks.add(ByteBuffer.wrap(SnapshotCodecTestBytes.of(block)));
            SnapshotCodec.BlockEncoder big = new SnapshotCodec.BlockEncoder(64);
            for (DetachedTorrent copy : encoder.detachedTorrents()) { // swarms over the budget of 7
                big.begin(blockEpochSeconds);
                copy.writeTo(big);
                blocks.add(ByteBuffer.wrap(SnapshotCodecTestBytes.of(big.finish())));
                detachedSeen++;
            }
            assertTrue(++slices <= TorrentTable.SEGMENTS, "a slice covers at least one segment");
        }
        return blocks;
    }

    static void restore(List<ByteBuffer> blocks, long nowEpochSeconds, SwarmSnapshotSink sink, Counts counts) {
        for (ByteBuffer block : blocks) {
            int torrents = block.getInt(4);
            long blockTime = block.getLong(8);
            Status status = SnapshotCodec.decodeRecords(block.duplicate().position(16).slice(), torrents,
                nowEpochSeconds - blockTime, sink, counts);
            assertEquals(Status.OK, status);
        }
    }

    @Test
    void restoredShardShouldHoldWhatTheSavedOneHeld() {
        for (long seed = 1; seed <= 5; seed++) {
            Random random = new Random(seed);
            SwarmShard saved = newShard();
            fill(saved, random, 200);
            int now = 200; // seconds since start, a multiple of the tick
            int tick = SwarmShard.tick(now);
            SwarmShardTest.cleanFully(saved, tick); // what is left is within the timeout
            List<ByteBuffer> blocks = export(saved, tick, 1_000_000 + now);

            SwarmShard restored = newShard();
            ShardRestore restore = new ShardRestore(restored, now, TIMEOUT);
            Counts counts = new Counts();
            restore(blocks, 1_000_000 + now, restore, counts);
            restore.finish();
            assertEquals(contents(saved, tick), contents(restored, tick), "seed " + seed);
            assertEquals(saved.torrents(), restored.torrents());
            assertEquals(saved.peers(false), restored.peers(false));
            assertEquals(saved.seeders(true), restored.seeders(true));
            assertEquals(saved.torrents(), counts.torrents);
            assertEquals(saved.peers(false) + saved.peers(true), counts.peers);
            assertTrue(saved.torrents() > 20 && saved.peers(false) > 200, "a shard worth the test");
            assertTrue(detachedSeen > 0, "big swarms went through as copies");
        }
    }

    static List<String> withoutEmptyAges(List<String> lines) {
        return lines.stream().map(line -> line.replaceAll(" empty \\d+", "")).toList();
    }

    @Test
    void timeWhileDownShouldExpireWhatTheRunningShardWouldHaveExpired() {
        boolean[] sawExpiry = new boolean[1];
        Random random = new Random(7);
        SwarmShard saved = newShard();
        fill(saved, random, 100);
        int tick = SwarmShard.tick(100);
        SwarmShardTest.cleanFully(saved, tick);
        List<ByteBuffer> blocks = export(saved, tick, 5_000_100);
        for (int down : new int[] {4, 20, 36, 60}) {
            // restored `down` seconds later into a process whose clock started 1,000 s before
            SwarmShard restored = newShard();
            int now = 1_000;
            ShardRestore restore = new ShardRestore(restored, now, TIMEOUT);
            restore(blocks, 5_000_100 + down, restore, new Counts());
            restore.finish();
            // the saved shard, run on for the same time, expires the same peers and empty torrents
            SwarmShard control = newShard();
            restore(blocks, 5_000_100, new ShardRestore(control, 100, TIMEOUT), new Counts());
            int later = SwarmShard.tick(100 + down);
            SwarmShardTest.cleanFully(control, later);
            if (control.expiredPeers() > 0) sawExpiry[0] = true;
            // when a torrent went empty differs by design: the control marks it when its cleaning
            // pass runs, the restore when its newest peer expired (a cleaning pass is not a fact of the past)
            assertEquals(withoutEmptyAges(contents(control, later)),
                withoutEmptyAges(contents(restored, SwarmShard.tick(now))), "down " + down + " s");
        }
        assertTrue(sawExpiry[0], "some peers expired while down");
    }
}
