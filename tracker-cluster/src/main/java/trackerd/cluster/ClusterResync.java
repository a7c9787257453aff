package trackerd.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.ObjIntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.runtime.TrackerClock;
import trackerd.state.SnapshotBytes;
import trackerd.state.SnapshotCodec;
import trackerd.state.SnapshotFile;
import trackerd.swarm.ChangeBuffer;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.SwarmShard;
import trackerd.swarm.SwarmSnapshotSink;

/**
 * Brings another node's peers back after this node missed some of its changes (issue 14): it
 * started after that node, its Redis link was down, or that node's stream had a gap or said it
 * lost changes. Runs on its own thread ({@code cluster-resync}), one node at a time.
 *
 * <ol>
 *   <li>{@link #begin} (publisher thread for a marked node, subscriber thread for a node heard
 *       for the first time; under the node's lock): from now on that node's messages are
 *       <b>held</b> ({@link #hold}, subscriber thread, same lock) instead of applied. The resync
 *       needs a snapshot that covers the last message applied ({@code needed}).
 *       Only their BitTorrent changes wait: the subscriber applies the WebTorrent changes of a
 *       held message at once, and the replay below skips them. A snapshot never holds WS peers
 *       (see {@link ClusterNode}), so skipping the held messages it "covers" would lose them.
 *   <li>The thread reads the envelope of {@code trackerd:snapshot:NODE} ({@code GETRANGE 0 23});
 *       while its sequence is below {@code needed} (or there is none: Redis restarted empty) it
 *       sets {@code trackerd:snapshot-wanted:NODE}, which that node answers within a heartbeat
 *       with a fresh save ({@link SnapshotPublisher}), and looks again every 100 ms, for at most
 *       {@value #WAIT_SECONDS} s.
 *   <li>It reads the whole value, checks it whole ({@link SnapshotBytes#read}), and applies it:
 *       the peers are routed by shard into {@link ChangeBuffer}s of {@value #SLICE_PEERS} peers
 *       and applied as that node's remote peers through each shard's command inbox
 *       ({@link SwarmShard#applyRemote}: the same rules as the live stream, so a snapshot peer
 *       never overrides a newer local announce), one slice per shard in flight, so no swarm
 *       worker stalls for more than one slice. Completed counts are raised to the snapshot's
 *       ({@link SwarmShard#raiseCompleted}).
 *   <li>Under the node's lock, the held messages newer than the snapshot's sequence are applied
 *       in order (without their downloads where the save overlapped them, see
 *       {@link SnapshotKeys}), and the live stream flows again. Each shard's inbox is FIFO, so every held
 *       change lands after the snapshot.
 * </ol>
 *
 * <p><b>Peers of that node missing from the snapshot</b> are left to expire by the peer
 * timeout, not dropped: dropping them would take a walk over every remote peer of every shard
 * (0.4 s per million, in cleaning slices) for what is usually nothing, and a missed
 * {@code stopped} costs at most one peer timeout of a stale peer, as a lost UDP reply would.
 *
 * <p>Held messages are bounded ({@value #MAX_HELD_BYTES} bytes a node): past it they are dropped
 * and the resync waits for a snapshot covering the newest one. A resync that fails (no snapshot
 * in time, a bad snapshot, Redis down) applies what it held, is counted, and leaves the node's
 * peers to come back with the stream and its clients' re-announces; the next gap tries again.
 */
final class ClusterResync implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterResync.class);
    /**
     * Peers a shard applies in one command. At 4,096 a slice took 3.4-3.6 ms on average on a
     * loaded 2-core machine (about 0.85 µs a new remote peer); 16,384 held a shard 180-220 ms at
     * worst while the JIT warmed up.
     */
    static final int SLICE_PEERS = 4_096;
    static final int WAIT_SECONDS = 60;
    static final long MAX_HELD_BYTES = 64L << 20;
    private static final java.lang.management.ThreadMXBean CPU = java.lang.management.ManagementFactory.getThreadMXBean();
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(100);
    private static final long APPLY_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(60);
    /** Older peers are skipped: past half the tick range an age could read as the future (and they expired long ago). */
    private static final int MAX_AGE_SECONDS = (0x7FFF / 2) * SwarmSnapshotSink.TICK_SECONDS;

    /** One resync of one node; fields guarded by the lock unless said otherwise. */
    private static final class Job {
        final String nodeId;
        final int origin;
        long needed;
        final List<byte[]> held = new ArrayList<>();
        final List<Long> heldSequences = new ArrayList<>();
        long heldBytes;
        boolean cancelled;
        final long startNanos = System.nanoTime(); // resync thread reads it after the queue hand-off

        Job(String nodeId, int origin, long needed) {
            this.nodeId = nodeId;
            this.origin = origin;
            this.needed = needed;
        }
    }

    private final Object lock;
    private final SwarmEngine engine;
    private final TrackerClock clock;
    private final RedisLink link;
    private final ResyncMetrics metrics;
    private final ObjIntConsumer<byte[]> replay;
    private final int heartbeatSeconds;
    private final Map<String, Job> jobs = new HashMap<>(); // guarded by lock
    private final LinkedBlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;
    private boolean warned; // resync thread only
    private final ChangeBatchCodec.Header header = new ChangeBatchCodec.Header(); // resync thread, under the lock

    /**
     * @param lock the lock the subscriber applies messages under (the {@link ClusterNode})
     * @param replay applies one held message of the given origin, under {@code lock}
     */
    ClusterResync(Object lock, SwarmEngine engine, TrackerClock clock, RedisLink link, ResyncMetrics metrics,
                  int heartbeatSeconds, ObjIntConsumer<byte[]> replay, java.util.concurrent.ThreadFactory threads) {
        this.lock = lock;
        this.engine = engine;
        this.clock = clock;
        this.link = link;
        this.metrics = metrics;
        this.heartbeatSeconds = heartbeatSeconds;
        this.replay = replay;
        this.thread = threads.newThread(this::run);
        thread.setName("cluster-resync");
    }

    void start() {
        thread.start();
    }

    /**
     * Under the lock: resync {@code nodeId} (origin index {@code origin}) from a snapshot covering
     * sequence {@code needed}; its messages are held from now on. A resync under way for it just
     * needs that much more.
     */
    void begin(String nodeId, int origin, long needed) {
        Job job = jobs.get(nodeId);
        if (job != null && job.origin == origin) {
            job.needed = Math.max(job.needed, needed);
            return;
        }
        if (job != null) job.cancelled = true;
        job = new Job(nodeId, origin, needed);
        jobs.put(nodeId, job);
        queue.add(job);
    }

    /**
     * Under the lock, for each message of another node that carries changes: true when it is held
     * for a resync under way (the caller does not apply it).
     */
    boolean hold(String nodeId, long sequence, byte[] message) {
        if (jobs.isEmpty()) return false;
        Job job = jobs.get(nodeId);
        if (job == null) return false;
        if (job.heldBytes + message.length > MAX_HELD_BYTES) {
            job.held.clear();
            job.heldSequences.clear();
            job.heldBytes = 0;
            job.needed = Math.max(job.needed, sequence); // dropped: only a newer snapshot covers them
            return true;
        }
        job.held.add(message);
        job.heldSequences.add(sequence);
        job.heldBytes += message.length;
        return true;
    }

    /** Under the lock: the node left or was lost; its resync (and what it held) is dropped. */
    void cancel(String nodeId) {
        Job job = jobs.remove(nodeId);
        if (job != null) job.cancelled = true;
    }

    /** Under the lock: as {@link #cancel}, by origin index. */
    void cancelOrigin(int origin) {
        jobs.values().removeIf(job -> {
            if (job.origin != origin) return false;
            job.cancelled = true;
            return true;
        });
    }

    /** Resyncs waiting or under way (any thread). */
    int pending() {
        synchronized (lock) {
            return jobs.size();
        }
    }

    private void run() {
        while (running) {
            Job job;
            try {
                job = queue.poll(1, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (job == null) continue;
            try {
                resync(job);
            } catch (RuntimeException e) {
                fail(job, e.toString());
            }
        }
    }

    private boolean cancelled(Job job) {
        synchronized (lock) {
            return job.cancelled || !running;
        }
    }

    private long needed(Job job) {
        synchronized (lock) {
            return job.needed;
        }
    }

    private void resync(Job job) {
        byte[] key = SnapshotKeys.snapshotKey(job.nodeId);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        long lastAsked = 0;
        boolean asked = false;
        while (true) {
            if (cancelled(job)) return;
            if (System.nanoTime() - deadline > 0) {
                fail(job, "no snapshot of node " + job.nodeId + " covering sequence " + needed(job) + " within "
                    + WAIT_SECONDS + " s");
                return;
            }
            long needed = needed(job);
            byte[] envelope = get(link.async().getrange(key, 0, SnapshotKeys.ENVELOPE_BYTES - 1));
            if (SnapshotKeys.sequence(envelope) >= needed) {
                long fetchStart = System.nanoTime();
                byte[] value = get(link.async().get(key));
                long fetchNanos = System.nanoTime() - fetchStart;
                long sequence = SnapshotKeys.sequence(value);
                if (sequence >= needed) {
                    if (!apply(job, value, sequence, fetchNanos)) return;
                    if (finish(job, sequence, SnapshotKeys.endSequence(value))) return;
                    continue; // the held messages overflowed meanwhile: a newer snapshot is needed
                }
            }
            if (!asked || System.nanoTime() - lastAsked > TimeUnit.SECONDS.toNanos(heartbeatSeconds)) {
                get(link.async().set(SnapshotKeys.wantedKey(job.nodeId),
                    Long.toString(needed).getBytes(StandardCharsets.US_ASCII),
                    io.lettuce.core.SetArgs.Builder.ex(Math.max(10, 5L * heartbeatSeconds))));
                asked = true;
                lastAsked = System.nanoTime();
            }
            LockSupport.parkNanos(this, POLL_NANOS);
        }
    }

    /**
     * Clears the COMPLETED flag of every change of a held message (ours: a copy Lettuce handed
     * over). Steps by each change's own length: a WebTorrent change is 43 bytes, and stepping by
     * the IPv6 bit alone cleared bit 3 of info hash and address bytes after one.
     */
    static void withoutDownloads(byte[] message, ChangeBatchCodec.Header header) {
        if (ChangeBatchCodec.read(message, header) != ChangeBatchCodec.OK) return;
        int pos = header.changesAt;
        for (int i = 0; i < header.count; i++) {
            message[pos] &= (byte) ~ChangeBuffer.COMPLETED;
            pos += ChangeBatchCodec.changeBytes(message[pos], header);
        }
    }

    private static <T> T get(java.util.concurrent.CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("Redis: " + e.getMessage(), e);
        }
    }

    /** Decodes and applies the snapshot; false when it was refused (the job is failed then). */
    private boolean apply(Job job, byte[] value, long sequence, long fetchNanos) {
        long start = System.nanoTime();
        ByteBuffer snapshot = ByteBuffer.wrap(value, SnapshotKeys.ENVELOPE_BYTES, value.length - SnapshotKeys.ENVELOPE_BYTES);
        Router router = new Router(job.origin);
        SnapshotFile.LoadResult result = SnapshotBytes.read(snapshot, System.currentTimeMillis() / 1000, router);
        if (result.status() != SnapshotCodec.Status.OK) {
            fail(job, "snapshot of node " + job.nodeId + " refused, " + result.status() + ": " + result.detail());
            return false;
        }
        router.flushAll();
        router.awaitAll();
        metrics.resyncPeers.addAndGet(result.peers());
        LOG.info("cluster: resynced {} torrents and {} peers of node {} from its snapshot ({} bytes, sequence {}): "
                + "{} ms after it was needed, GET {} ms, check, decode and apply {} ms, longest slice on a shard {} ms ({} ms CPU; mean {} ms of {})",
            result.torrents(), result.peers(), job.nodeId, value.length, sequence,
            (System.nanoTime() - job.startNanos) / 1_000_000, fetchNanos / 1_000_000,
            (System.nanoTime() - start) / 1_000_000, String.format(java.util.Locale.ROOT, "%.2f", router.longestNanos / 1e6),
            String.format(java.util.Locale.ROOT, "%.2f", router.longestCpuNanos / 1e6),
            String.format(java.util.Locale.ROOT, "%.2f", router.slices == 0 ? 0 : router.sliceNanos / 1e6 / router.slices),
            router.slices);
        return true;
    }

    /**
     * Under the lock: the held messages after the snapshot (those the save overlapped without
     * their downloads: the snapshot's completed counts may hold them), then the live stream.
     * False when a newer snapshot is needed.
     */
    private boolean finish(Job job, long sequence, long endSequence) {
        synchronized (lock) {
            if (job.cancelled) return true;
            if (job.needed > sequence) return false;
            jobs.remove(job.nodeId);
            int replayed = 0;
            for (int i = 0; i < job.held.size(); i++) {
                long seq = job.heldSequences.get(i);
                if (seq <= sequence) continue;
                byte[] message = job.held.get(i);
                if (seq <= endSequence) withoutDownloads(message, header);
                replay.accept(message, job.origin);
                replayed++;
            }
            LOG.info("cluster: resync of node {} held its BitTorrent changes for {} ms: {} messages held, {} covered "
                    + "by the snapshot (sequence {}), {} replayed; its WebTorrent changes were applied as they came",
                job.nodeId, (System.nanoTime() - job.startNanos) / 1_000_000, job.held.size(),
                job.held.size() - replayed, sequence, replayed);
        }
        metrics.resyncsDone.incrementAndGet();
        metrics.resyncNanos.set(System.nanoTime() - job.startNanos);
        return true;
    }

    /** The resync did not work: what was held is applied (better than nothing), counted, logged once. */
    private void fail(Job job, String why) {
        synchronized (lock) {
            if (jobs.get(job.nodeId) == job) jobs.remove(job.nodeId);
            if (!job.cancelled) {
                for (byte[] message : job.held) replay.accept(message, job.origin);
            }
            job.held.clear();
        }
        metrics.resyncsFailed.incrementAndGet();
        if (!warned) {
            warned = true;
            LOG.warn("cluster: resync failed: {}; that node's peers return with its stream and re-announces "
                + "(further failures are counted in tracker_cluster_resyncs with result=failed)", why);
        }
    }

    /**
     * Routes a snapshot's records to per-shard {@link ChangeBuffer}s and applies each full one as
     * a shard command, one in flight per shard (resync thread; the commands run on the shards).
     */
    private final class Router implements SwarmSnapshotSink {
        private final int origin;
        private final long nowSeconds = clock.nowSeconds();
        private final Batch[] filling;
        private final Batch[] inFlight;
        private Batch current;
        /** The longest a shard spent on one slice: what the resync held its announces up. */
        long longestNanos;
        long longestCpuNanos;
        long sliceNanos;
        long slices;

        Router(int origin) {
            this.origin = origin;
            filling = new Batch[engine.shards()];
            inFlight = new Batch[engine.shards()];
        }

        private Batch batch(int shard) {
            Batch b = filling[shard];
            if (b == null) filling[shard] = b = new Batch(shard, origin);
            return b;
        }

        @Override
        public void torrent(long h0, long h1, int h2, int completed, int emptyForSeconds, int ipv4Peers, int ipv6Peers) {
            current = batch(engine.shardOf(h0, h1, h2));
            if (current.full()) current = flush(current);
            current.torrent(h0, h1, h2, completed);
        }

        @Override
        public void ipv4Peer(int address, int port, boolean seeder, int ageSeconds) {
            if (ageSeconds > MAX_AGE_SECONDS || port == 0) return;
            if (current.full()) current = flush(current);
            current.peers.add(current.h0, current.h1, current.h2, seeder ? ChangeBuffer.SEEDER : 0, tick(ageSeconds),
                ChangeBuffer.keyWord(false, address & 0xFFFF_FFFFL, port), 0, 0);
        }

        @Override
        public void ipv6Peer(long address0, long address1, int port, boolean seeder, int ageSeconds) {
            if (ageSeconds > MAX_AGE_SECONDS || port == 0) return;
            if (current.full()) current = flush(current);
            current.peers.add(current.h0, current.h1, current.h2, ChangeBuffer.IPV6 | (seeder ? ChangeBuffer.SEEDER : 0),
                tick(ageSeconds), ChangeBuffer.keyWord(true, address0, port), address0, address1);
        }

        private int tick(int ageSeconds) {
            return SwarmShard.tick(Math.max(0, nowSeconds - ageSeconds));
        }

        /** Sends a full batch (after the shard's previous one is done); returns a fresh one for the same torrent. */
        private Batch flush(Batch full) {
            int shard = full.shard;
            await(shard);
            submit(full);
            Batch fresh = new Batch(shard, origin);
            fresh.continueTorrent(full);
            filling[shard] = fresh;
            return fresh;
        }

        private void submit(Batch b) {
            long deadline = System.nanoTime() + APPLY_TIMEOUT_NANOS;
            while (!engine.execute(b.shard, b)) { // a full inbox: announces come first, try again shortly
                if (System.nanoTime() - deadline > 0) throw new IllegalStateException("shard " + b.shard + " inbox full");
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(1));
            }
            inFlight[b.shard] = b;
        }

        private void await(int shard) {
            Batch b = inFlight[shard];
            if (b == null) return;
            long deadline = System.nanoTime() + APPLY_TIMEOUT_NANOS;
            while (!b.done) {
                if (System.nanoTime() - deadline > 0) throw new IllegalStateException("shard " + shard + " did not apply");
                LockSupport.parkNanos(this, TimeUnit.MILLISECONDS.toNanos(1));
            }
            inFlight[shard] = null;
            longestNanos = Math.max(longestNanos, b.nanos);
            longestCpuNanos = Math.max(longestCpuNanos, b.cpuNanos);
            sliceNanos += b.nanos;
            slices++;
        }

        void flushAll() {
            for (int i = 0; i < filling.length; i++) {
                Batch b = filling[i];
                if (b == null || b.empty()) continue;
                await(i);
                submit(b);
                filling[i] = null;
            }
        }

        void awaitAll() {
            for (int i = 0; i < inFlight.length; i++) await(i);
        }
    }

    /** One shard's slice of a snapshot: peers as changes, and each torrent's completed count. */
    private static final class Batch implements trackerd.swarm.ShardCommand {
        final int shard;
        final int origin;
        final ChangeBuffer peers = new ChangeBuffer(SLICE_PEERS * 4);
        long[] torrents = new long[3 * 64];
        int torrentCount;
        long h0;
        long h1;
        int h2;
        long nanos; // written before done, read after it
        long cpuNanos;
        volatile boolean done;

        Batch(int shard, int origin) {
            this.shard = shard;
            this.origin = origin;
        }

        boolean full() {
            return peers.size() + 6 > peers.capacityWords();
        }

        boolean empty() {
            return peers.count() == 0 && torrentCount == 0;
        }

        void torrent(long h0, long h1, int h2, int completed) {
            this.h0 = h0;
            this.h1 = h1;
            this.h2 = h2;
            if (completed == 0) return;
            if (3 * (torrentCount + 1) > torrents.length) torrents = java.util.Arrays.copyOf(torrents, torrents.length * 2);
            torrents[3 * torrentCount] = h0;
            torrents[3 * torrentCount + 1] = h1;
            torrents[3 * torrentCount + 2] = ((long) h2 << 32) | (completed & 0xFFFF_FFFFL);
            torrentCount++;
        }

        /** The torrent whose peers ran past the previous batch goes on here. */
        void continueTorrent(Batch previous) {
            h0 = previous.h0;
            h1 = previous.h1;
            h2 = previous.h2;
        }

        @Override
        public void execute(SwarmShard target) {
            long start = System.nanoTime();
            long cpuStart = CPU.getCurrentThreadCpuTime();
            try {
                target.applyRemote(peers, origin);
                for (int i = 0; i < torrentCount; i++) {
                    long w = torrents[3 * i + 2];
                    target.raiseCompleted(torrents[3 * i], torrents[3 * i + 1], (int) (w >>> 32), (int) w);
                }
            } finally {
                nanos = System.nanoTime() - start;
                cpuNanos = CPU.getCurrentThreadCpuTime() - cpuStart;
                done = true;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        synchronized (lock) {
            for (Job job : jobs.values()) job.cancelled = true;
            jobs.clear();
        }
        thread.interrupt();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
