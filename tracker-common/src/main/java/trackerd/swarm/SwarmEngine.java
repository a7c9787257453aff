package trackerd.swarm;

import io.micrometer.core.instrument.Gauge;
import io.netty.util.concurrent.EventExecutor;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import trackerd.handoff.SwarmGateway;
import trackerd.metrics.MetricBank;
import trackerd.net.InfoHashes;
import trackerd.runtime.WorkerThreadFactory;

/**
 * The swarm workers and their routing: an info hash belongs to shard
 * {@code hash(info_hash) * shards >> 64}, with a per-process random seed in the hash so that
 * clients cannot aim torrents at one shard. One engine serves every front end.
 *
 * <p>With 0 swarm workers the engine runs inline: one shard, answered on the one socket
 * worker's event loop as each request is parsed, with no hand-off and no thread to wake. For a
 * tracker that has one core: there the hand-off between two threads is pure cost.
 */
public final class SwarmEngine implements AutoCloseable {
    private static final long STOP_MILLIS = 5_000;

    private final SwarmSettings settings;
    private final SwarmWorker[] workers;
    private final Thread[] threads;
    private final int gatewaySlots;
    private final Map<EventExecutor, SwarmGateway> gateways = new IdentityHashMap<>();
    private final boolean inline;

    /**
     * @param swarmWorkers threads, one shard each; 0 = inline (one shard, on the event loop)
     * @param queueCapacity requests that may wait for one swarm worker, and the slots each
     *     socket worker may have in flight
     */
    public SwarmEngine(SwarmSettings settings, int swarmWorkers, int queueCapacity, MetricBank bank,
                       WorkerThreadFactory threadFactory) {
        this.settings = settings;
        this.inline = swarmWorkers == 0;
        int shards = Math.max(1, swarmWorkers);
        this.gatewaySlots = queueCapacity;
        workers = new SwarmWorker[shards];
        threads = new Thread[shards];
        SwarmMetrics.Definitions definitions = new SwarmMetrics.Definitions(bank);
        long startNanos = System.nanoTime();
        for (int i = 0; i < shards; i++) {
            SwarmWorker worker = new SwarmWorker(new SwarmShard(settings), queueCapacity,
                new SwarmMetrics(definitions, bank.newWriter()), startNanos, settings.cleaningIntervalSeconds());
            workers[i] = worker;
            threads[i] = inline ? null : threadFactory.newThread(worker);
            Gauge.builder("tracker_swarm_queue_depth", worker, SwarmWorker::queueDepth)
                .description("Requests waiting for a swarm worker").tag("worker", Integer.toString(i))
                .register(bank.registry());
        }
    }

    public void start() {
        if (inline) return;
        for (Thread thread : threads) thread.start();
    }

    /** The shard's worker when the engine runs inline, else null. */
    public SwarmWorker inlineWorker() {
        return inline ? workers[0] : null;
    }

    public int shards() {
        return workers.length;
    }

    public SwarmWorker worker(int shard) {
        return workers[shard];
    }

    public int shardOf(long h0, long h1, int h2) {
        return (int) (((InfoHashes.hash(h0, h1, h2) >>> 32) * workers.length) >>> 32);
    }

    /** The gateway of a socket worker's event loop, made on first use (at channel setup). */
    public synchronized SwarmGateway gatewayFor(EventExecutor loop) {
        SwarmGateway gateway = gateways.get(loop);
        if (gateway != null) return gateway;
        if (inline && !gateways.isEmpty()) {
            throw new IllegalStateException("inline swarm work (0 swarm workers) needs exactly one socket worker");
        }
        gateway = new SwarmGateway(this, loop, gatewaySlots, settings.maxResponsePeers(), settings.maxScrapeHashes());
        gateways.put(loop, gateway);
        if (inline) loop.scheduleAtFixedRate(workers[0]::housekeep, 10, 10, TimeUnit.MILLISECONDS);
        return gateway;
    }

    /** Answers what is queued, then stops the workers (bounded wait). */
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
