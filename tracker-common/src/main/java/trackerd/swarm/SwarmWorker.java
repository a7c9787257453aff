package trackerd.swarm;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.handoff.RequestSlot;
import trackerd.handoff.SwarmGateway;

/**
 * A thread that owns one {@link SwarmShard}. It drains its MPSC queue in batches, answers each
 * slot, hands it back to the gateway it came from, and wakes each such gateway once per batch.
 * Between batches it runs a slice of cleaning when a pass is due.
 *
 * <p>With no work it parks (no busy spin, CPU near 0 % at idle), after a few yields if its last
 * batch was big (see {@link #idle}). To park it sets {@link #parked} and checks the queue once
 * more; a producer that offered work checks {@link #parked} after its offer, so a wakeup is never
 * lost (both sides order a volatile write before a volatile read).
 */
public final class SwarmWorker implements Runnable, MessagePassingQueue.Consumer<RequestSlot> {
    private static final Logger LOG = LoggerFactory.getLogger(SwarmWorker.class);
    static final int BATCH = 256;
    static final int CLEAN_BUDGET = 16_384;
    /** A batch this big means a busy period: yield {@link #BUSY_YIELDS} times before parking. */
    private static final int BUSY_BATCH = 16;
    private static final int BUSY_YIELDS = 32;
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final SwarmShard shard;
    private final MpscArrayQueue<RequestSlot> queue;
    private final SwarmMetrics metrics;
    private final long startNanos;
    private final long cleanIntervalNanos;
    private volatile boolean running = true;
    private volatile boolean parked;
    private volatile Thread thread;
    private final SwarmGateway[] touched = new SwarmGateway[64];
    private int touchedCount;
    private int tick;
    /** Cleaning state, on whichever thread runs the shard (this worker's, or the inline loop). */
    private boolean cleaning;
    private long nextClean;

    SwarmWorker(SwarmShard shard, int queueCapacity, SwarmMetrics metrics, long startNanos, int cleanIntervalSeconds) {
        this.shard = shard;
        this.queue = new MpscArrayQueue<>(queueCapacity);
        this.metrics = metrics;
        this.startNanos = startNanos;
        this.cleanIntervalNanos = TimeUnit.SECONDS.toNanos(cleanIntervalSeconds);
        this.nextClean = startNanos + cleanIntervalNanos;
    }

    /** Any socket worker thread. False when the queue is full. */
    public boolean offer(RequestSlot slot) {
        return queue.offer(slot);
    }

    /** Any socket worker thread, after offering: unpark the worker if it sleeps. */
    public void wakeIfParked() {
        if (parked) {
            Thread t = thread;
            if (t != null) LockSupport.unpark(t);
        }
    }

    public int queueDepth() {
        return queue.size();
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        int lastBatch = 0;
        while (running || !queue.isEmpty()) {
            long now = System.nanoTime();
            tick = SwarmShard.tick(TimeUnit.NANOSECONDS.toSeconds(now - startNanos));
            int done = queue.drain(this, BATCH);
            if (touchedCount > 0) wakeTouched();
            cleanStep(now);
            metrics.publish(shard);
            if (done > 0) {
                lastBatch = done;
            } else if (!cleaning) {
                idle(nextClean - now, lastBatch);
                lastBatch = 0;
            }
        }
    }

    /** A slice of the cleaning pass under way, or the start of one when it is due. */
    private void cleanStep(long now) {
        if (cleaning) {
            cleaning = !shard.cleanSlice(tick, CLEAN_BUDGET);
        } else if (now - nextClean >= 0) {
            cleaning = true;
            nextClean = now + cleanIntervalNanos;
        }
    }

    /** One request off the queue: answered, then handed back to its gateway. */
    @Override
    public void accept(RequestSlot slot) {
        answer(slot);
        SwarmGateway gateway = slot.gateway();
        gateway.deliver(slot);
        for (int i = 0; i < touchedCount; i++) {
            if (touched[i] == gateway) return;
        }
        if (touchedCount == touched.length) wakeTouched();
        touched[touchedCount++] = gateway;
    }

    /**
     * Answers one request on the calling thread: the worker's own, or in inline mode the one
     * event loop that owns the shard. Exceptions are counted and answered, never allowed to kill
     * the thread.
     */
    public void answer(RequestSlot slot) {
        try {
            slot.status = RequestSlot.OK;
            slot.peerCount = 0;
            if (slot.kind == RequestSlot.ANNOUNCE) {
                shard.announce(slot, tick);
            } else {
                shard.scrape(slot.scrapeHashes, slot.scrapeCount, slot.scrapeIndexes(), slot.scrapeResultsArray());
            }
        } catch (RuntimeException e) {
            slot.status = RequestSlot.INTERNAL_ERROR;
            metrics.internalError();
            LOG.error("swarm worker failed on a request (answered with an error, worker goes on)", e);
        }
    }

    /**
     * Inline mode, every few milliseconds on the owning event loop: what {@link #run} does
     * between batches (clock tick, a cleaning slice when a pass is due, metrics).
     */
    void housekeep() {
        try {
            long now = System.nanoTime();
            tick = SwarmShard.tick(TimeUnit.NANOSECONDS.toSeconds(now - startNanos));
            cleanStep(now);
            metrics.publish(shard);
        } catch (RuntimeException e) { // a periodic task that throws is never run again: keep it
            metrics.internalError();
            LOG.error("swarm housekeeping failed (it goes on)", e);
        }
    }

    private void wakeTouched() {
        for (int i = 0; i < touchedCount; i++) {
            touched[i].wake();
            touched[i] = null;
        }
        touchedCount = 0;
    }

    private void idle(long nanosToNextClean, int lastBatch) {
        // After a big batch more work is likely on its way: yielding a few times lets the socket
        // worker deliver it without a park and unpark (which measured 10-20 % of saturation
        // throughput on one shared core). After a small batch, park at once: sched_yield is a
        // system call, and yielding after every request cost 89 % of a core at 20,000/s.
        if (lastBatch >= BUSY_BATCH) {
            for (int i = 0; i < BUSY_YIELDS; i++) {
                if (!queue.isEmpty() || !running) return;
                Thread.yield();
            }
        }
        parked = true;
        if (queue.isEmpty() && running) {
            LockSupport.parkNanos(this, Math.max(1, Math.min(nanosToNextClean, MAX_PARK_NANOS)));
        }
        parked = false;
    }

    /** Stops after answering what is queued. */
    void stop() {
        running = false;
        Thread t = thread;
        if (t != null) LockSupport.unpark(t);
    }
}
