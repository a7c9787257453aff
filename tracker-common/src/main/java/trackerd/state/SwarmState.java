package trackerd.state;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Locale;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.runtime.TrackerClock;
import trackerd.state.SnapshotCodec.Status;
import trackerd.swarm.DetachedTorrent;
import trackerd.swarm.ShardRestore;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.SwarmShard;
import trackerd.swarm.SwarmSnapshotSink;

/**
 * Swarms that survive a restart: loads {@code state.path/}{@value SnapshotFile#NAME} into the
 * engine before it starts, then saves it every {@code state.save_interval_seconds} and once more
 * on {@link #close} (SIGTERM: after the front ends stopped reading, before the engine stops).
 *
 * <p><b>Saving without stalling announces.</b> A shard belongs to its swarm worker alone, so a
 * save asks each worker, through its command inbox, to encode one slice of its shard into a
 * buffer ({@link SwarmShard#exportSlice}: whole table segments, about {@value #SLICE_BUDGET}
 * torrents and peers; a torrent with more peers is only copied, and encoded here); the worker
 * runs it between two batches of requests and goes back to them, and the saver thread writes
 * the buffer to the file while the worker answers. One slice
 * per shard is in flight at a time, all shards in parallel; an announce waits at most one slice
 * (the longest is measured: {@code tracker_state_save_longest_slice_seconds}, and
 * docs/benchmarks.md). Slices of whole segments see every torrent exactly once (see
 * ShardExport); the snapshot is each segment as of its slice, all within one save. Copying a
 * whole shard at once instead would stall it for the whole copy (hundreds of ms at 10 M peers)
 * or need a second copy of the swarms in memory.
 *
 * <p><b>Loading.</b> The file is checked whole first (structure, counts, CRC32C), then decoded
 * into the shards, each torrent routed by {@link SwarmEngine#shardOf} (the shard count may have
 * changed since the save). A file that fails the check, or of a version this build does not
 * read, is logged and moved aside, and the tracker starts empty: never a crash loop.
 *
 * <p>Thread safety: {@link #load} once, on the thread that then starts the engine; {@link #save}
 * and {@link #close} from any thread but a swarm worker (saves are serialized).
 */
public final class SwarmState implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SwarmState.class);
    static final int SLICE_BUDGET = 16_384;
    private static final long SAVE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(120);
    private static final long WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final Path dir;
    private final long saveIntervalNanos;
    private final SwarmEngine engine;
    private final TrackerClock clock;
    private final long nodeId = new SecureRandom().nextLong();
    private final Object saveLock = new Object();
    private final Thread saver;
    private volatile boolean closing;
    private volatile boolean started;
    /** Encodes the huge swarms that slices hand over as copies, on the saving thread. */
    private final SnapshotCodec.BlockEncoder bigTorrents = new SnapshotCodec.BlockEncoder(1 << 20);
    /** Per shard, reused across saves; replaced when a save gave up on it (it may still run). */
    private final Slice[] slices;

    // metrics, written under saveLock (or before start), read by the registry
    private volatile long lastSaveEpochMillis = -1;
    private volatile double lastSaveSeconds = Double.NaN;
    private volatile double longestSliceSeconds = Double.NaN;
    /** Written by the saving thread during a save, read after it. */
    private long longestCpu;
    private volatile double longestSliceCpuSeconds = Double.NaN;
    private volatile long lastSaveBytes = -1;
    private volatile long savesOk;
    private volatile long savesFailed;
    private volatile String loadOutcome = "none";
    private volatile long loadedTorrents;
    private volatile long loadedPeers;
    private volatile double loadSeconds = Double.NaN;

    /**
     * @param dir the state directory (created if missing)
     * @param threads makes the saving thread
     */
    public SwarmState(Path dir, int saveIntervalSeconds, SwarmEngine engine, TrackerClock clock,
                      MeterRegistry registry, ThreadFactory threads) throws IOException {
        this.dir = dir;
        this.saveIntervalNanos = TimeUnit.SECONDS.toNanos(saveIntervalSeconds);
        this.engine = engine;
        this.clock = clock;
        Files.createDirectories(dir);
        slices = new Slice[engine.shards()];
        for (int i = 0; i < slices.length; i++) slices[i] = new Slice(i);
        saver = threads.newThread(this::saveEvery);
        register(registry);
    }

    private void register(MeterRegistry registry) {
        Gauge.builder("tracker_state_snapshot_age_seconds", this,
                s -> s.lastSaveEpochMillis < 0 ? Double.NaN : (System.currentTimeMillis() - s.lastSaveEpochMillis) / 1e3)
            .description("Seconds since the last snapshot of the swarms was written (after a restart: the loaded one)")
            .register(registry);
        Gauge.builder("tracker_state_save_duration_seconds", this, s -> s.lastSaveSeconds)
            .description("How long the last snapshot save took").register(registry);
        Gauge.builder("tracker_state_save_longest_slice_seconds", this, s -> s.longestSliceSeconds)
            .description("Longest slice a swarm worker spent encoding during the last save: the most it held announces up")
            .register(registry);
        Gauge.builder("tracker_state_snapshot_bytes", this, s -> s.lastSaveBytes)
            .description("Size of the last snapshot written").register(registry);
        FunctionCounter.builder("tracker_state_saves", this, s -> s.savesOk).tag("result", "ok")
            .description("Snapshot saves").register(registry);
        FunctionCounter.builder("tracker_state_saves", this, s -> s.savesFailed).tag("result", "failed")
            .description("Snapshot saves").register(registry);
        for (String outcome : new String[] {"loaded", "none", "truncated", "corrupt", "unknown_version",
            "bad_magic", "unreadable"}) {
            Gauge.builder("tracker_state_load", this, s -> outcome.equals(s.loadOutcome) ? 1 : 0).tag("outcome", outcome)
                .description("How the snapshot load at start went (1 for the outcome)").register(registry);
        }
        Gauge.builder("tracker_state_loaded_torrents", this, s -> s.loadedTorrents)
            .description("Torrents restored from the snapshot at start").register(registry);
        Gauge.builder("tracker_state_loaded_peers", this, s -> s.loadedPeers)
            .description("Peers restored from the snapshot at start (expired ones dropped)").register(registry);
        Gauge.builder("tracker_state_load_duration_seconds", this, s -> s.loadSeconds)
            .description("How long the snapshot load at start took").register(registry);
    }

    /** Seconds the longest slice of the last successful save took on its swarm worker; NaN before one. */
    public double longestSliceSeconds() {
        return longestSliceSeconds;
    }

    /** CPU seconds of the slice that took the most CPU in the last successful save; NaN before one. */
    public double longestSliceCpuSeconds() {
        return longestSliceCpuSeconds;
    }

    /** The snapshot's path. */
    public Path file() {
        return dir.resolve(SnapshotFile.NAME);
    }

    /**
     * Restores the snapshot into the engine, before {@link SwarmEngine#start}. Never throws for a
     * bad file: it is moved aside and the swarms start empty. Returns the outcome (as the
     * {@code tracker_state_load} metric names it).
     */
    public String load() {
        long started = System.nanoTime();
        long nowSeconds = clock.nowSeconds();
        Path file = file();
        ShardRestore[] restorers = new ShardRestore[engine.shards()];
        for (int i = 0; i < restorers.length; i++) restorers[i] = engine.restorer(i, nowSeconds);
        Router router = new Router(engine, restorers);
        SnapshotFile.LoadResult result;
        try {
            result = SnapshotFile.load(file, clock.epochSecondsAt(nowSeconds), router);
        } catch (NoSuchFileException e) {
            LOG.info("state: no snapshot at {}, the swarms start empty", file);
            loadOutcome = "none";
            return loadOutcome;
        } catch (IOException e) {
            LOG.error("state: cannot read {} ({}); the swarms start empty", file, e.toString());
            moveAside(file, "unreadable");
            loadOutcome = "unreadable";
            return loadOutcome;
        }
        if (result.status() != Status.OK) {
            String outcome = result.status().name().toLowerCase(Locale.ROOT);
            Path aside = moveAside(file, outcome.replace('_', '-'));
            LOG.error("state: snapshot {} refused, {}: {}; moved aside to {}, the swarms start empty", file,
                outcome.replace('_', ' '), result.detail(), aside);
            loadOutcome = outcome;
            return loadOutcome;
        }
        long expired = 0;
        long dropped = 0;
        long torrents = 0;
        long peers = 0;
        for (ShardRestore r : restorers) {
            r.finish();
            expired += r.expiredPeers();
            dropped += r.droppedTorrents();
            torrents += r.torrents();
            peers += r.peers();
        }
        loadedTorrents = torrents;
        loadedPeers = peers;
        loadSeconds = (System.nanoTime() - started) / 1e9;
        lastSaveEpochMillis = result.header().savedAtEpochMillis();
        loadOutcome = "loaded";
        LOG.info("state: restored {} torrents and {} peers from {} ({} bytes, saved {} s ago) in {} ms; {} peers had "
                + "expired while the tracker was down, {} torrents were left with nothing to keep", torrents, peers,
            file, result.bytes(), (System.currentTimeMillis() - result.header().savedAtEpochMillis()) / 1000,
            String.format(Locale.ROOT, "%.0f", loadSeconds * 1e3), expired, dropped);
        return loadOutcome;
    }

    private Path moveAside(Path file, String reason) {
        try {
            return SnapshotFile.moveAside(file, reason, System.currentTimeMillis() / 1000);
        } catch (IOException e) {
            LOG.error("state: cannot move {} aside ({}); deleting it so that the next start is clean", file,
                e.toString());
            try {
                Files.deleteIfExists(file);
            } catch (IOException again) {
                LOG.error("state: cannot delete {} either: {}", file, again.toString());
            }
            return null;
        }
    }

    /** Starts saving every save interval. */
    public void start() {
        started = true;
        saver.start();
    }

    private void saveEvery() {
        long next = System.nanoTime() + saveIntervalNanos;
        while (!closing) {
            long wait = next - System.nanoTime();
            if (wait > 0) {
                LockSupport.parkNanos(this, wait);
                continue;
            }
            next = System.nanoTime() + saveIntervalNanos;
            save();
        }
    }

    /**
     * Writes a snapshot now; returns true when it replaced the old one. A failure (disk full,
     * a worker that does not answer within two minutes) is logged and counted, and leaves the
     * old snapshot in place.
     */
    public boolean save() {
        synchronized (saveLock) {
            long started = System.nanoTime();
            long savedAt = System.currentTimeMillis();
            try (SnapshotFile.Writer writer = SnapshotFile.Writer.open(dir, engine.shards(), nodeId, savedAt)) {
                long longest = writeSlices(writer, started + SAVE_TIMEOUT_NANOS);
                long bytes = writer.commit();
                double seconds = (System.nanoTime() - started) / 1e9;
                lastSaveEpochMillis = savedAt;
                lastSaveSeconds = seconds;
                longestSliceSeconds = longest / 1e9;
                longestSliceCpuSeconds = longestCpu / 1e9;
                lastSaveBytes = bytes;
                savesOk++;
                LOG.info("state: saved {} torrents and {} peers to {} ({} bytes) in {} ms, longest slice {} ms ({} ms CPU)",
                    writer.torrents(), writer.peers(), file(), bytes, String.format(Locale.ROOT, "%.0f", seconds * 1e3),
                    String.format(Locale.ROOT, "%.2f", longest / 1e6), String.format(Locale.ROOT, "%.2f", longestCpu / 1e6));
                return true;
            } catch (IOException | RuntimeException e) {
                savesFailed++;
                LOG.error("state: saving {} failed ({}); the previous snapshot stays", file(), e.toString());
                return false;
            }
        }
    }

    /** All shards in parallel, one slice each in flight; returns the longest slice in nanoseconds. */
    private long writeSlices(SnapshotFile.Writer writer, long deadline) throws IOException {
        int active = 0;
        for (Slice slice : slices) {
            slice.arm(0);
            submit(slice, deadline);
            active++;
        }
        long longest = 0;
        longestCpu = 0;
        try {
            while (active > 0) {
                boolean progress = false;
                for (Slice slice : slices) {
                    if (!slice.inFlight || !slice.done) continue;
                    progress = true;
                    slice.inFlight = false;
                    if (slice.failure != null) throw new IOException("shard " + slice.shard + " slice failed", slice.failure);
                    longest = Math.max(longest, slice.nanos);
                    longestCpu = Math.max(longestCpu, slice.cpuNanos);
                    if (slice.encoder.torrents() > 0) {
                        writer.block(slice.encoder.block(), slice.encoder.torrents(), slice.encoder.peers());
                    }
                    for (DetachedTorrent big : slice.encoder.detachedTorrents()) { // encoded here, not on the worker
                        bigTorrents.begin(slice.encoder.blockEpochSeconds());
                        big.writeTo(bigTorrents);
                        writer.block(bigTorrents.finish(), 1, bigTorrents.peers());
                    }
                    slice.encoder.detachedTorrents().clear();
                    if (slice.next < 0) {
                        active--;
                    } else {
                        slice.arm(slice.next);
                        submit(slice, deadline);
                    }
                }
                if (!progress) {
                    if (System.nanoTime() - deadline > 0) throw new IOException("swarm workers did not answer in time");
                    LockSupport.parkNanos(this, WAIT_NANOS);
                }
            }
        } finally {
            for (int i = 0; i < slices.length; i++) {
                if (slices[i].inFlight) { // given up on: it may still run, so it is never reused
                    slices[i].abandoned = true;
                    slices[i] = new Slice(i);
                }
            }
        }
        return longest;
    }

    private void submit(Slice slice, long deadline) throws IOException {
        slice.inFlight = true;
        while (!engine.execute(slice.shard, slice)) { // inbox full: the worker is draining it
            if (System.nanoTime() - deadline > 0) throw new IOException("swarm worker inbox stayed full");
            LockSupport.parkNanos(this, WAIT_NANOS);
        }
    }

    /**
     * Stops the periodic saves and writes the last snapshot (SIGTERM). Writes nothing if
     * {@link #start} never ran (a start that failed must not replace a good snapshot).
     */
    @Override
    public void close() {
        closing = true;
        if (!started) return;
        LockSupport.unpark(saver);
        try {
            if (saver.isAlive()) saver.join(TimeUnit.NANOSECONDS.toMillis(SAVE_TIMEOUT_NANOS) + 1_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        save();
    }

    /** One slice of one shard's torrents and peers (all of them), and whether the saver is waiting for it. */
    private final class Slice extends SnapshotSlice {
        boolean inFlight;

        Slice(int shard) {
            super(shard, 1 << 20, SwarmState.this.clock);
        }

        @Override
        protected void run(SwarmShard target) {
            encode(target, (shard, from, tick, encoder) -> shard.exportSlice(from, SLICE_BUDGET, tick, encoder));
        }
    }

    /** Routes each torrent (and the peers after it) to its shard's restorer. */
    private static final class Router implements SwarmSnapshotSink {
        private final SwarmEngine engine;
        private final ShardRestore[] restorers;
        private ShardRestore current;

        Router(SwarmEngine engine, ShardRestore[] restorers) {
            this.engine = engine;
            this.restorers = restorers;
        }

        @Override
        public void torrent(long h0, long h1, int h2, int completed, int emptyForSeconds, int ipv4Peers, int ipv6Peers) {
            current = restorers[engine.shardOf(h0, h1, h2)];
            current.torrent(h0, h1, h2, completed, emptyForSeconds, ipv4Peers, ipv6Peers);
        }

        @Override
        public void ipv4Peer(int address, int port, boolean seeder, int ageSeconds) {
            current.ipv4Peer(address, port, seeder, ageSeconds);
        }

        @Override
        public void ipv6Peer(long address0, long address1, int port, boolean seeder, int ageSeconds) {
            current.ipv6Peer(address0, address1, port, seeder, ageSeconds);
        }
    }
}
