package trackerd.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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
import trackerd.swarm.SwarmSnapshotSink;

/** Save and load through real engines (threads, inboxes), and the files a load refuses. */
@Timeout(60)
class SwarmStateTest {
    @TempDir
    Path dir;

    final TrackerClock clock = TrackerClock.start();
    final List<SwarmEngine> engines = new ArrayList<>();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    SwarmEngine engine(int shards) {
        SwarmSettings settings = new SwarmSettings(new TrackerConfig.Swarm(1800, 900, 2700, 50, 50, 60, false),
            new TrackerConfig.Limits(1_000_000, 100_000, 64, 10_000_000, 0, 10));
        SwarmEngine engine = new SwarmEngine(settings, shards, 1024, new MetricBank(registry), clock,
            new WorkerThreadFactory("test-swarm", (t, e) -> e.printStackTrace()));
        engines.add(engine);
        return engine;
    }

    SwarmState state(SwarmEngine engine) throws IOException {
        return new SwarmState(dir, 3600, engine, clock, new SimpleMeterRegistry(),
            new WorkerThreadFactory("test-saver", (t, e) -> e.printStackTrace()));
    }

    @AfterEach
    void close() {
        engines.forEach(SwarmEngine::close);
    }

    /** Runs code on a shard's thread and waits for it. */
    static <T> T on(SwarmEngine engine, int shard, java.util.function.Function<SwarmShard, T> code) throws Exception {
        CompletableFuture<T> done = new CompletableFuture<>();
        assertTrue(engine.execute(shard, s -> done.complete(code.apply(s))));
        return done.get(10, TimeUnit.SECONDS);
    }

    /** 300 torrents; torrent t has t % 7 + 1 IPv4 peers, every third an IPv6 peer, a completion on t % 5 == 0. */
    void fill(SwarmEngine engine) throws Exception {
        int tick = SwarmShard.tick(clock.nowSeconds());
        for (int t = 0; t < 300; t++) {
            for (int p = 0; p <= t % 7 + (t % 3 == 0 ? 1 : 0); p++) {
                SwarmRequest r = SwarmRequest.detached(50);
                r.infoHash0 = 0x5eed_0000_0000_0000L + t;
                r.infoHash1 = t;
                r.infoHash2 = t;
                r.ipv6 = p > t % 7;
                r.address0 = r.ipv6 ? 0x2001_0db8_0000_0000L : 0x0a00_0000L + p;
                r.address1 = r.ipv6 ? p : 0;
                r.port = 6881;
                r.event = p == 0 && t % 5 == 0 ? AnnounceEvent.COMPLETED : AnnounceEvent.STARTED;
                r.seeder = p == 0 && t % 5 == 0;
                r.numwant = 0;
                on(engine, engine.shardOf(r.infoHash0, r.infoHash1, r.infoHash2), s -> {
                    s.announce(r, tick);
                    return r.status;
                });
            }
        }
    }

    /** Every torrent and peer of the engine, sorted (ages left out: they move on). */
    static List<String> contents(SwarmEngine engine) throws Exception {
        List<String> out = Collections.synchronizedList(new ArrayList<>());
        for (int shard = 0; shard < engine.shards(); shard++) {
            on(engine, shard, s -> {
                SwarmSnapshotSink sink = new SwarmSnapshotSink() {
                    String torrent;

                    @Override
                    public void torrent(long h0, long h1, int h2, int completed, int emptyFor, int n4, int n6) {
                        torrent = Long.toHexString(h0);
                        out.add(torrent + " completed " + completed + " peers " + n4 + "+" + n6);
                    }

                    @Override
                    public void ipv4Peer(int address, int port, boolean seeder, int age) {
                        out.add(torrent + " v4 " + address + ":" + port + " " + seeder);
                    }

                    @Override
                    public void ipv6Peer(long a0, long a1, int port, boolean seeder, int age) {
                        out.add(torrent + " v6 " + a0 + "/" + a1 + ":" + port + " " + seeder);
                    }
                };
                int tick = SwarmShard.tick(0);
                for (int seg = 0; seg >= 0; ) seg = s.exportSlice(seg, Integer.MAX_VALUE, tick, sink);
                return null;
            });
        }
        Collections.sort(out);
        return out;
    }

    @Test
    void savedSwarmsShouldComeBackIntoAnEngineWithAnotherShardCount() throws Exception {
        SwarmEngine before = engine(2);
        before.start();
        fill(before);
        SwarmState saving = state(before);
        assertTrue(saving.save());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(saving.file())));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(saving.file()), files.toList(), "no temp file left");
        }

        SwarmEngine after = engine(3);
        assertEquals("loaded", state(after).load());
        after.start();
        List<String> expected = contents(before);
        assertEquals(expected, contents(after));
        assertTrue(expected.size() > 1_000, "a few hundred torrents and their peers");
        assertTrue(expected.contains(Long.toHexString(0x5eed_0000_0000_0000L + 10) + " completed 1 peers 4+0"));
    }

    @Test
    void aFileThatFailsTheCheckShouldBeMovedAsideAndNothingRestored() throws Exception {
        SwarmEngine before = engine(1);
        before.start();
        fill(before);
        SwarmState saving = state(before);
        assertTrue(saving.save());
        byte[] good = Files.readAllBytes(saving.file());

        byte[] corrupt = good.clone();
        corrupt[good.length / 2] ^= 0x10; // one bit in a record: only the CRC can tell
        byte[] oldVersion = good.clone();
        oldVersion[9] = 0; // version 0
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 5);
        for (Object[] c : new Object[][] {{corrupt, "corrupt"}, {oldVersion, "unknown_version"},
            {truncated, "truncated"}, {java.util.Arrays.copyOf(good, 20), "truncated"}}) {
            Files.write(saving.file(), (byte[]) c[0]);
            SwarmEngine after = engine(2);
            assertEquals(c[1], state(after).load());
            after.start();
            assertEquals(List.of(), contents(after), "nothing restored from a " + c[1] + " file");
            assertFalse(Files.exists(saving.file()), "moved aside");
            try (Stream<Path> files = Files.list(dir)) {
                String reason = ((String) c[1]).replace('_', '-');
                assertTrue(files.anyMatch(f -> f.getFileName().toString().startsWith("swarms.snapshot." + reason + "-")),
                    reason);
            }
        }
        assertEquals("none", state(engine(1)).load(), "no file: an empty start, nothing to move");
    }

    @Test
    void aSaveThatCannotWriteShouldKeepTheOldSnapshot() throws Exception {
        SwarmEngine engine = engine(1);
        engine.start();
        fill(engine);
        SwarmState state = state(engine);
        assertTrue(state.save());
        byte[] before = Files.readAllBytes(state.file());
        // a directory where the temp file goes: the open fails as a full disk's write would
        Files.createDirectory(dir.resolve(SnapshotFile.NAME + SnapshotFile.TEMP_SUFFIX));
        Files.writeString(dir.resolve(SnapshotFile.NAME + SnapshotFile.TEMP_SUFFIX).resolve("x"), "x");
        assertFalse(state.save());
        assertEquals(ByteBuffer.wrap(before), ByteBuffer.wrap(Files.readAllBytes(state.file())));
    }
}
