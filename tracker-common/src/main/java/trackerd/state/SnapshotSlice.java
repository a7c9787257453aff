package trackerd.state;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.locks.LockSupport;
import trackerd.runtime.TrackerClock;
import trackerd.swarm.ShardCommand;
import trackerd.swarm.SwarmShard;
import trackerd.swarm.SwarmSnapshotSink;

/**
 * One shard's slice of a snapshot: a {@link ShardCommand} that encodes whole table segments on the
 * shard's own swarm worker (so the single-writer rule holds and the worker is held for one slice
 * only), then wakes the thread that {@linkplain #arm armed} it, which reads the fields once
 * {@link #done} is set. Used by the state file's saver ({@link SwarmState}) and by the cluster's
 * snapshot in Redis; what a slice exports is the subclass's {@link #run}.
 *
 * <p>Threading: {@link #arm} and the reads after {@link #done} on the collecting thread, {@link #run}
 * on the shard's worker; {@code done} (volatile) orders the two. A failure is kept in
 * {@link #failure} for the collector, never thrown on the worker. A slice the collector gave up on
 * is {@linkplain #abandoned} and does nothing if it still runs.
 */
public abstract class SnapshotSlice implements ShardCommand {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

    /** Exports shard segments from {@code fromSegment} into {@code encoder}; the next segment, or -1 at the end. */
    @FunctionalInterface
    protected interface Export {
        int slice(SwarmShard shard, int fromSegment, int tick, SnapshotCodec.BlockEncoder encoder);
    }

    public final int shard;
    public final SnapshotCodec.BlockEncoder encoder;
    protected final TrackerClock clock;
    /** The first segment of this run; {@link #next} the one after it, or -1 when the shard is done. */
    public int from;
    public int next;
    /** Wall and CPU time of the last run, in nanoseconds: on a busy machine wall time also counts waiting for a core. */
    public long nanos;
    public long cpuNanos;
    public Throwable failure;
    public volatile boolean done;
    public volatile boolean abandoned;
    private volatile Thread collector;

    /** @param encoderBytes the block encoder's first buffer size (it grows as a slice needs) */
    protected SnapshotSlice(int shard, int encoderBytes, TrackerClock clock) {
        this.shard = shard;
        this.encoder = new SnapshotCodec.BlockEncoder(encoderBytes);
        this.clock = clock;
    }

    /** Collecting thread: the next run starts at {@code fromSegment}; this thread is woken when it is done. */
    public void arm(int fromSegment) {
        from = fromSegment;
        failure = null;
        done = false;
        collector = Thread.currentThread();
    }

    @Override
    public final void execute(SwarmShard target) {
        if (abandoned) return;
        long start = System.nanoTime();
        long cpuStart = CPU.getCurrentThreadCpuTime();
        try {
            run(target);
        } catch (RuntimeException e) {
            failure = e;
        } finally {
            nanos = System.nanoTime() - start;
            cpuNanos = CPU.getCurrentThreadCpuTime() - cpuStart;
            done = true;
            LockSupport.unpark(collector);
        }
    }

    /** The shard's worker: this run's work (usually one {@link #encode}). */
    protected abstract void run(SwarmShard target);

    /** Encodes one block from {@link #from} with {@code export}, ages counted from the last age tick; sets {@link #next}. */
    protected final void encode(SwarmShard target, Export export) {
        long now = clock.nowSeconds();
        long base = now - Math.floorMod(now, SwarmSnapshotSink.TICK_SECONDS); // ages count from a tick
        encoder.begin(clock.epochSecondsAt(base));
        next = export.slice(target, from, SwarmShard.tick(base), encoder);
        encoder.finish();
    }
}
