package trackerd.cluster;

import io.lettuce.core.SetArgs;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.runtime.TrackerClock;
import trackerd.state.SnapshotBytes;
import trackerd.state.SnapshotCodec;
import trackerd.state.SnapshotSlice;
import trackerd.swarm.DetachedTorrent;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.SwarmShard;

/**
 * Keeps this node's snapshot of its own peers in Redis ({@link SnapshotKeys}), for the other nodes
 * to resync from (issue 14). Driven by the publisher thread, which does every Redis call of it
 * (asynchronous: it never waits for Redis); no event loop or swarm worker touches Redis.
 *
 * <p><b>When.</b> Every {@code state.save_interval_seconds} (the state file's interval: one knob
 * for "how old may a snapshot be", whether or not {@code state.path} is set), once right after
 * the first connection, and early when another node asks for one ({@code snapshot-wanted}, read
 * every heartbeat; at most one early save per heartbeat).
 *
 * <p><b>How.</b> As the state file is saved ({@link trackerd.state.SwarmState}): each swarm
 * worker encodes one slice of its shard at a time between batches of requests
 * ({@link SwarmShard#exportLocalSlice}: whole segments, about {@value #SLICE_BUDGET} torrents and
 * peers, remote peers left out), all shards in parallel; a finished slice wakes the publisher,
 * which appends it to the snapshot in memory ({@link SnapshotBytes}) and hands the shard its
 * next slice. Huge torrents come as copies and are encoded here. When every shard is through,
 * one {@code SET key value EX ttl} (TTL three save intervals, at least a minute).
 *
 * <p><b>Sequence.</b> The envelope records the last sequence number published before the first
 * slice. Every change in a message up to it happened before every slice, so it is in the
 * snapshot; later messages may repeat changes the snapshot already holds, which is harmless for
 * peers because they are applied in order after it. It also records the last sequence published
 * when the save ended: a download in a message up to that one may already be in the snapshot's
 * completed count, so a loader does not count it again (a download in that window may then go
 * uncounted on the loader: a count a little low, never double).
 *
 * <p>Publisher thread only, except {@link #wanted} (Lettuce's thread) and the slices (the shards').
 */
final class SnapshotPublisher {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotPublisher.class);
    static final int SLICE_BUDGET = 16_384;
    /** Records of a huge torrent's copy checked against the remote table per command (about 4 ms). */
    static final int FILTER_CHUNK = 4_096;
    private static final long SLICE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final String nodeId;
    private final byte[] key;
    private final byte[] wantedKey;
    private final SwarmEngine engine;
    private final TrackerClock clock;
    private final RedisLink link;
    private final ResyncMetrics metrics;
    /** One warning per kind of failure (a Redis outage must not log every interval); any thread. */
    private volatile boolean warnedWrite;
    private volatile boolean warnedSave;
    private final long intervalNanos;
    private final long earlyGapNanos;
    private final long ttlSeconds;
    private final long writerId = new SecureRandom().nextLong();
    private final SnapshotCodec.BlockEncoder bigTorrents = new SnapshotCodec.BlockEncoder(1 << 16);
    /** Highest sequence another node asked a snapshot for (Lettuce's thread writes it). */
    private final AtomicLong wantedSequence = new AtomicLong(-1);
    private Slice[] slices;
    private boolean cleared;
    private boolean saving;
    private boolean due = true;
    private long lastStartNanos;
    private long startNanos;
    private long savingSequence;
    private long lastSavedSequence = -1;
    private SnapshotBytes.Writer writer;
    private long longestSliceNanos;
    private long longestSliceCpuNanos;

    /**
     * @param intervalSeconds how often a snapshot is written ({@code state.save_interval_seconds})
     * @param heartbeatSeconds early saves are at most this often
     * (The thread that calls {@link #step}, the publisher, is the one a finished slice wakes.)
     */
    SnapshotPublisher(String nodeId, SwarmEngine engine, TrackerClock clock, RedisLink link, ResyncMetrics metrics,
                      int intervalSeconds, int heartbeatSeconds) {
        this.nodeId = nodeId;
        this.key = SnapshotKeys.snapshotKey(nodeId);
        this.wantedKey = SnapshotKeys.wantedKey(nodeId);
        this.engine = engine;
        this.clock = clock;
        this.link = link;
        this.metrics = metrics;
        this.intervalNanos = TimeUnit.SECONDS.toNanos(intervalSeconds);
        this.earlyGapNanos = TimeUnit.SECONDS.toNanos(heartbeatSeconds);
        this.ttlSeconds = Math.max(60L, 3L * intervalSeconds);
        slices = new Slice[engine.shards()];
        for (int i = 0; i < slices.length; i++) slices[i] = new Slice(i);
    }

    /** A save is under way (the publisher steps it as slices finish). */
    boolean saving() {
        return saving;
    }

    /**
     * Connected: the first time in this process, deletes the snapshot an earlier process of the
     * same node id may have left (its peers are gone; its sequence numbers are not ours). Sent
     * before this process's first message on the same connection, so Redis runs it first.
     */
    void onConnected() {
        if (cleared) return;
        cleared = true;
        link.async().del(key, wantedKey);
    }

    /** Every heartbeat, with the link up: has another node asked for a snapshot? */
    void checkWanted() {
        link.async().get(wantedKey).whenComplete((value, failure) -> {
            if (failure != null || value == null) return;
            try {
                long seq = Long.parseLong(new String(value, StandardCharsets.US_ASCII).trim());
                wantedSequence.accumulateAndGet(seq, Math::max);
            } catch (NumberFormatException e) {
                // not ours to judge: ignored
            }
        });
    }

    /** Another node wants a snapshot that covers {@code sequence} (any thread). */
    void wanted(long sequence) {
        wantedSequence.accumulateAndGet(sequence, Math::max);
    }

    /**
     * Starts a save when one is due, or moves the one under way on: collects finished slices and
     * hands their shards the next ones; writes the snapshot when all are through.
     *
     * @param sequence the last sequence number published so far
     * @param up the Redis link is up
     */
    void step(long nowNanos, long sequence, boolean up) {
        if (!saving) {
            boolean periodic = due || nowNanos - lastStartNanos >= intervalNanos;
            boolean early = wantedSequence.get() > lastSavedSequence && nowNanos - lastStartNanos >= earlyGapNanos;
            if (up && (periodic || early)) begin(nowNanos, sequence);
            return;
        }
        try {
            collect(nowNanos, sequence);
        } catch (RuntimeException e) {
            abandon("failed: " + e);
        }
    }

    private void begin(long nowNanos, long sequence) {
        due = false;
        saving = true;
        lastStartNanos = nowNanos;
        startNanos = System.nanoTime();
        savingSequence = sequence;
        longestSliceNanos = 0;
        longestSliceCpuNanos = 0;
        writer = new SnapshotBytes.Writer(SnapshotKeys.ENVELOPE_BYTES, engine.shards(), writerId,
            System.currentTimeMillis());
        for (Slice slice : slices) {
            slice.arm(0);
            submit(slice, nowNanos);
        }
    }

    private void submit(Slice slice, long nowNanos) {
        slice.submittedNanos = nowNanos;
        slice.queued = engine.execute(slice.shard, slice); // a full inbox: tried again at the next step
    }

    private void collect(long nowNanos, long sequence) {
        int active = 0;
        for (Slice slice : slices) {
            if (slice.finished) continue;
            active++;
            if (!slice.queued) {
                submit(slice, nowNanos);
                continue;
            }
            if (!slice.done) {
                if (nowNanos - slice.submittedNanos > SLICE_TIMEOUT_NANOS) {
                    abandon("shard " + slice.shard + " did not answer a slice within 60 s");
                }
                continue;
            }
            if (slice.failure != null) throw new IllegalStateException("shard " + slice.shard + " slice", slice.failure);
            longestSliceNanos = Math.max(longestSliceNanos, slice.nanos);
            longestSliceCpuNanos = Math.max(longestSliceCpuNanos, slice.cpuNanos);
            if (slice.filtering) { // a huge torrent's copy still holds remote peers: the next chunk
                slice.done = false;
                submit(slice, nowNanos);
                continue;
            }
            if (slice.encoder.torrents() > 0) {
                writer.block(slice.encoder.block(), slice.encoder.torrents(), slice.encoder.peers());
            }
            for (DetachedTorrent big : slice.encoder.detachedTorrents()) { // encoded here, not on the worker
                bigTorrents.begin(slice.encoder.blockEpochSeconds());
                big.writeTo(bigTorrents);
                writer.block(bigTorrents.finish(), 1, bigTorrents.peers());
            }
            if (slice.next < 0) {
                slice.finished = true;
                active--;
            } else {
                slice.arm(slice.next);
                submit(slice, nowNanos);
            }
        }
        if (active == 0) write(sequence);
    }

    private void write(long endSequence) {
        saving = false;
        byte[] out = writer.finish();
        byte[] value = Arrays.copyOf(out, writer.size());
        SnapshotKeys.writeEnvelope(value, savingSequence, endSequence);
        long peers = writer.peers();
        long torrents = writer.torrents();
        long sequence = savingSequence;
        long started = startNanos;
        long longest = longestSliceNanos;
        long longestCpu = longestSliceCpuNanos;
        writer = null;
        try {
            link.async().set(key, value, SetArgs.Builder.ex(ttlSeconds)).whenComplete((ok, failure) -> {
                if (failure != null) {
                    metrics.snapshotsFailed.incrementAndGet();
                    if (!warnedWrite) {
                        warnedWrite = true;
                        LOG.warn("cluster: writing this node's snapshot to Redis failed ({}); retried at the next save, "
                            + "counted in tracker_cluster_snapshots with result=failed", failure.toString());
                    }
                    return;
                }
                metrics.snapshotsSaved.incrementAndGet();
                metrics.snapshotBytes.set(value.length);
                metrics.snapshotPeers.set(peers);
                metrics.snapshotNanos.set(System.nanoTime() - started);
                metrics.snapshotLongestSliceNanos.set(longest);
                metrics.snapshotLongestSliceCpuNanos.set(longestCpu);
                LOG.debug("cluster: snapshot of node {} written: {} torrents, {} peers, {} bytes, sequence {}", nodeId,
                    torrents, peers, value.length, sequence);
            });
            lastSavedSequence = sequence;
        } catch (RuntimeException e) { // rejected at once while disconnected
            metrics.snapshotsFailed.incrementAndGet();
            due = true;
        }
    }

    /** Gives up on the save under way; slices still queued do nothing when they run. */
    private void abandon(String why) {
        saving = false;
        writer = null;
        due = true;
        metrics.snapshotsFailed.incrementAndGet();
        if (!warnedSave) {
            warnedSave = true;
            LOG.warn("cluster: snapshot save {}; retried at the next step, counted in tracker_cluster_snapshots", why);
        }
        for (int i = 0; i < slices.length; i++) {
            slices[i].abandoned = true;
            slices[i] = new Slice(i);
        }
    }

    /** One shard's slice in flight: its own peers only, encoded on the shard's thread, collected by the publisher. */
    private final class Slice extends SnapshotSlice {
        long submittedNanos;
        boolean queued;
        boolean finished;
        /** Copies of huge torrents still hold remote peers: the next run filters a chunk (fields handed over by done). */
        boolean filtering;
        int filterIndex;

        Slice(int shard) {
            super(shard, 1 << 16, SnapshotPublisher.this.clock);
        }

        @Override
        public void arm(int fromSegment) {
            super.arm(fromSegment);
            finished = false;
            filtering = false;
        }

        /** Skips the copies with nothing left to filter; true while one has. */
        private boolean skipFiltered() {
            List<DetachedTorrent> copies = encoder.detachedTorrents();
            while (filterIndex < copies.size() && !copies.get(filterIndex).filterPending()) filterIndex++;
            return filterIndex < copies.size();
        }

        @Override
        protected void run(SwarmShard target) {
            if (filtering) {
                if (skipFiltered() && encoder.detachedTorrents().get(filterIndex).filterRemote(target, FILTER_CHUNK)) {
                    filterIndex++;
                }
            } else {
                encode(target, (shard, from, tick, encoder) -> shard.exportLocalSlice(from, SLICE_BUDGET, tick, encoder));
                filterIndex = 0;
            }
            filtering = skipFiltered();
        }
    }
}
