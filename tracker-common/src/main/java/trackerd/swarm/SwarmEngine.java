package trackerd.swarm;

import io.micrometer.core.instrument.Gauge;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import trackerd.metrics.MetricBank;
import trackerd.net.InfoHashes;
import trackerd.runtime.TrackerClock;
import trackerd.runtime.WorkerThreadFactory;

/**
 * The swarm workers, their lifecycle and their routing: an info hash belongs to shard
 * {@code hash(info_hash) * shards >> 64}, with a per-process random seed in the hash so that
 * clients cannot aim torrents at one shard. One engine serves every front end; it knows nothing
 * of event loops: answers go back through each request's {@link ReturnPort}.
 *
 * <p>With 0 swarm workers the engine runs inline: one shard, answered on the one socket worker
 * that {@linkplain #claimInvoker claims} it, with no hand-off and no thread to wake. For a tracker
 * that has one core: there the hand-off between two threads is pure cost.
 *
 * <p>Thread safety: {@link #offer}, {@link #wakeIfParked}, {@link #execute} and the read-only
 * methods may be called from any thread.
 */
public final class SwarmEngine implements AutoCloseable {
    private static final long STOP_MILLIS = 5_000;

    private final SwarmWorker[] workers;
    private final Thread[] threads;
    private final boolean inline;
    private final AtomicBoolean invokerClaimed = new AtomicBoolean();
    private final int peerTimeoutSeconds;
    private volatile boolean started;

    /**
     * @param swarmWorkers threads, one shard each; 0 = inline (one shard, on one event loop)
     * @param queueCapacity requests that may wait for one swarm worker
     */
    public SwarmEngine(SwarmSettings settings, int swarmWorkers, int queueCapacity, MetricBank bank,
                       TrackerClock clock, WorkerThreadFactory threadFactory) {
        this.inline = swarmWorkers == 0;
        this.peerTimeoutSeconds = settings.swarm().peerTimeoutSeconds();
        int shards = Math.max(1, swarmWorkers);
        workers = new SwarmWorker[shards];
        threads = new Thread[shards];
        SwarmMetrics.Definitions definitions = new SwarmMetrics.Definitions(bank);
        for (int i = 0; i < shards; i++) {
            SwarmWorker worker = new SwarmWorker(new SwarmShard(settings, shards), i, queueCapacity,
                new SwarmMetrics(definitions, bank.newWriter()), clock, settings.swarm().cleaningIntervalSeconds());
            workers[i] = worker;
            threads[i] = inline ? null : threadFactory.newThread(worker);
            Gauge.builder("tracker_swarm_queue_depth", worker, SwarmWorker::queueDepth)
                .description("Requests waiting for a swarm worker").tag("worker", Integer.toString(i))
                .register(bank.registry());
        }
    }

    public void start() {
        started = true;
        if (inline) return;
        for (Thread thread : threads) thread.start();
    }

    /** True when the shard is answered on an event loop ({@link #claimInvoker}), not by threads. */
    public boolean inline() {
        return inline;
    }

    /**
     * Inline engine: the shard's invoker, for the one event loop that will own it. Throws
     * {@link IllegalStateException} when the engine is not inline or the invoker was claimed.
     */
    public SwarmInvoker claimInvoker() {
        if (!inline) throw new IllegalStateException("swarm workers run as threads: there is no invoker");
        if (!invokerClaimed.compareAndSet(false, true)) {
            throw new IllegalStateException("inline swarm work (0 swarm workers) needs exactly one socket worker");
        }
        return new SwarmInvoker(workers[0]);
    }

    /**
     * A snapshot restorer that writes straight into one shard: only before {@link #start} (and
     * before an inline engine's invoker runs), on the thread that then starts the engine, which
     * publishes what it wrote to the shard's owner. Throws {@link IllegalStateException} after
     * the start.
     *
     * @param nowSeconds the engine clock's seconds since start, from which restored ages count back
     */
    public ShardRestore restorer(int shard, long nowSeconds) {
        if (started) throw new IllegalStateException("the swarm workers run: restore before start()");
        return new ShardRestore(workers[shard].shard(), nowSeconds, peerTimeoutSeconds);
    }

    public int shards() {
        return workers.length;
    }

    /** The shard that owns an info hash (words as in {@link SwarmRequest}). */
    public int shardOf(long h0, long h1, int h2) {
        return (int) (((InfoHashes.hash(h0, h1, h2) >>> 32) * workers.length) >>> 32);
    }

    /** Any thread: queues a request for a shard's worker. False when its queue is full. */
    public boolean offer(int shard, SwarmRequest request) {
        return workers[shard].offer(request);
    }

    /** Any thread, after a batch of offers: unpark the shard's worker if it sleeps. */
    public void wakeIfParked(int shard) {
        workers[shard].wakeIfParked();
    }

    /**
     * Any thread: queues a command for one shard's inbox (drained before requests, never waiting
     * for a request slot). False when that inbox is full.
     */
    public boolean execute(int shard, ShardCommand command) {
        return workers[shard].offerCommand(command);
    }

    /** Any thread: the same command to every shard; returns how many shards took it. */
    public int executeOnAll(ShardCommand command) {
        int taken = 0;
        for (SwarmWorker worker : workers) {
            if (worker.offerCommand(command)) taken++;
        }
        return taken;
    }

    public int queueDepth(int shard) {
        return workers[shard].queueDepth();
    }

    /** Answers what is queued, then stops the worker threads (bounded wait). */
    @Override
    public void close() {
        if (inline) return; // nothing queued: every request was answered as it came
        for (SwarmWorker worker : workers) worker.stop();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(STOP_MILLIS);
        for (Thread thread : threads) {
            long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            try {
                if (left > 0 && thread.isAlive()) thread.join(left);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
