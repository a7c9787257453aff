package trackerd.swarm;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.runtime.DistinctErrorLog;
import trackerd.runtime.TrackerClock;

/**
 * The owner of one {@link SwarmShard}, as a duty cycle (Agrona's agent shape): {@link #doWork}
 * drains the bounded command inbox first (stopping after a command as soon as a request waits,
 * so that the shard's own clients come first), then a batch of requests, hands each answered request
 * back to its {@link ReturnPort} and wakes each port once per batch, then runs a slice of cleaning
 * when a pass is due. With swarm workers as threads, {@link #run} repeats the cycle and idles
 * between; inline, the owning event loop runs the same cycle every few milliseconds
 * ({@link SwarmInvoker}). Errors are caught per request and per cycle, counted, and each
 * distinct stack logged once: a worker never dies of a bad request.
 *
 * <p>With no work it parks (no busy spin, CPU near 0 % at idle), after a few yields if its last
 * batch was big (see {@link #idle}). To park it sets {@link #parked} and checks both queues once
 * more; a producer that offered work checks {@link #parked} after its offer, so a wakeup is never
 * lost (both sides order a volatile write before a volatile read).
 */
final class SwarmWorker implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(SwarmWorker.class);
    static final int BATCH = 256;
    static final int COMMAND_BATCH = 64;
    /**
     * The inline engine runs commands on a socket worker's event loop, where a request never
     * queues to cut a run short: a cycle stops its commands after this long (about four commands
     * of another node's changes) and the loop serves its sockets before the next cycle.
     */
    static final long INLINE_COMMAND_NANOS = TimeUnit.MILLISECONDS.toNanos(2);
    static final int COMMAND_CAPACITY = 4096;
    static final int CLEAN_BUDGET = 16_384;
    /** A batch this big means a busy period: yield {@link #BUSY_YIELDS} times before parking. */
    private static final int BUSY_BATCH = 16;
    private static final int BUSY_YIELDS = 32;
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private final SwarmShard shard;
    private final int shardIndex;
    private final String roleName;
    private final MpscArrayQueue<SwarmRequest> requests;
    private final MpscArrayQueue<ShardCommand> commands = new MpscArrayQueue<>(COMMAND_CAPACITY);
    private final MessagePassingQueue.Consumer<SwarmRequest> answerAndReturn = this::answerAndReturn;
    private final SwarmMetrics metrics;
    private final TrackerClock clock;
    private final DistinctErrorLog errors = new DistinctErrorLog(LOG);
    private final long cleanIntervalNanos;
    private volatile boolean running = true;
    private volatile boolean parked;
    private volatile Thread thread;
    private final ReturnPort[] touched = new ReturnPort[64];
    private int touchedCount;
    private int tick;
    /** Requests of the last non-empty batch since the worker last idled, for the idle policy. */
    private int lastRequests;
    /** Cleaning state, on whichever thread runs the shard (this worker's, or the inline loop). */
    private boolean cleaning;
    private long nextClean;

    SwarmWorker(SwarmShard shard, int shardIndex, int queueCapacity, SwarmMetrics metrics, TrackerClock clock,
                int cleanIntervalSeconds) {
        this.shard = shard;
        this.shardIndex = shardIndex;
        this.roleName = String.format("swarm-%02d", shardIndex + 1);
        this.requests = new MpscArrayQueue<>(queueCapacity);
        this.metrics = metrics;
        this.clock = clock;
        this.cleanIntervalNanos = TimeUnit.SECONDS.toNanos(cleanIntervalSeconds);
        this.nextClean = clock.nowNanos() + cleanIntervalNanos;
    }

    /** Any thread. False when the request queue is full. */
    boolean offer(SwarmRequest request) {
        return requests.offer(request);
    }

    /** Any thread. False when the command inbox is full. */
    boolean offerCommand(ShardCommand command) {
        if (!commands.offer(command)) return false;
        wakeIfParked();
        return true;
    }

    /** Any thread, after offering: unpark the worker if it sleeps. */
    void wakeIfParked() {
        if (parked) {
            Thread t = thread;
            if (t != null) LockSupport.unpark(t);
        }
    }

    /** The shard, for a snapshot restore before the worker runs ({@link SwarmEngine#restorer}). */
    SwarmShard shard() {
        return shard;
    }

    int queueDepth() {
        return requests.size();
    }

    String roleName() {
        return roleName;
    }

    @Override
    public void run() {
        thread = Thread.currentThread();
        while (running || !requests.isEmpty() || !commands.isEmpty()) {
            if (doWork() == 0 && !cleaning) idle(nextClean - clock.nowNanos());
        }
    }

    /**
     * One cycle on the shard's thread: commands, then requests, then a cleaning slice and the
     * gauges. Returns the work done (commands + requests + cleaning slices); 0 means idle.
     */
    int doWork() {
        return doWork(0);
    }

    /**
     * {@link #doWork()} whose commands stop after {@code commandBudgetNanos} (0: no time bound),
     * for the inline engine ({@link #INLINE_COMMAND_NANOS}); {@link #commandsWaiting} tells
     * whether some were left.
     */
    int doWork(long commandBudgetNanos) {
        try {
            long now = clock.nowNanos();
            tick = SwarmShard.tick(TimeUnit.NANOSECONDS.toSeconds(now));
            int work = runCommands(commandBudgetNanos);
            int answered = requests.drain(answerAndReturn, BATCH);
            if (touchedCount > 0) wakeTouched();
            if (answered > 0) lastRequests = answered;
            work += answered + cleanStep(now);
            metrics.publish(shard);
            return work;
        } catch (RuntimeException e) {
            // a request that was drained but not handed back is lost with its slot: this catch is
            // for what lies outside answer(), which catches per request (a bug either way)
            metrics.internalError();
            errors.log(roleName + " cycle failed (the worker goes on)", e);
            if (touchedCount > 0) wakeTouched();
            return 1;
        }
    }

    /**
     * Up to {@link #COMMAND_BATCH} commands, stopping after the current one as soon as a request
     * waits. A command is a slice of up to a few milliseconds (another node's changes, a snapshot
     * or resync slice); draining 64 before each batch of requests let a heavy cluster stream hold
     * this shard's clients for 100 ms and more a cycle, until they timed out. Checked after each
     * command, so a request waits for one command, not for the run; so is the time budget.
     */
    private int runCommands(long budgetNanos) {
        long start = budgetNanos > 0 ? clock.nowNanos() : 0;
        int ran = 0;
        for (ShardCommand command; ran < COMMAND_BATCH && (command = commands.relaxedPoll()) != null; ) {
            runCommand(command);
            ran++;
            if (!requests.isEmpty() || (budgetNanos > 0 && clock.nowNanos() - start >= budgetNanos)) break;
        }
        return ran;
    }

    /** Commands wait in the inbox. The owning thread (or any, as a hint). */
    boolean commandsWaiting() {
        return !commands.isEmpty();
    }

    /** A slice of the cleaning pass under way, or the start of one when it is due; 1 if it ran. */
    private int cleanStep(long now) {
        if (cleaning) {
            cleaning = !shard.cleanSlice(tick, CLEAN_BUDGET);
            return 1;
        }
        if (now - nextClean >= 0) startCleaning();
        return 0;
    }

    /** Starts a cleaning pass now (also to purge what a command marked). */
    private void startCleaning() {
        cleaning = true;
        nextClean = clock.nowNanos() + cleanIntervalNanos;
    }

    private void runCommand(ShardCommand command) {
        try {
            command.execute(shard);
            if (shard.purgePending()) startCleaning();
        } catch (RuntimeException e) {
            metrics.internalError();
            errors.log(roleName + " command failed (the worker goes on)", e);
        }
    }

    /** One request off the queue: answered, then handed back to the port it came from. */
    private void answerAndReturn(SwarmRequest request) {
        answer(request);
        ReturnPort port = request.returnPort;
        port.deliver(request);
        for (int i = 0; i < touchedCount; i++) {
            if (touched[i] == port) return;
        }
        if (touchedCount == touched.length) wakeTouched();
        touched[touchedCount++] = port;
    }

    /**
     * Answers one request on the shard's thread: the worker's own, or inline the one event loop
     * that owns the shard. Exceptions are counted and answered, never allowed to kill the thread.
     */
    void answer(SwarmRequest request) {
        try {
            request.status = RequestStatus.OK;
            request.peerCount = 0;
            if (request.kind == RequestKind.ANNOUNCE) {
                shard.announce(request, tick);
            } else {
                shard.scrape(request.scrape, shardIndex, request.webTorrent);
            }
        } catch (RuntimeException e) {
            request.status = RequestStatus.INTERNAL_ERROR;
            metrics.internalError();
            errors.log(roleName + " failed on a request (answered with an error, the worker goes on)", e);
        }
    }

    private void wakeTouched() {
        for (int i = 0; i < touchedCount; i++) {
            touched[i].wake();
            touched[i] = null;
        }
        touchedCount = 0;
    }

    private void idle(long nanosToNextClean) {
        // After a big batch more work is likely on its way: yielding a few times lets the socket
        // worker deliver it without a park and unpark (which measured 10-20 % of saturation
        // throughput on one shared core). After a small batch, park at once: sched_yield is a
        // system call, and yielding after every request cost 89 % of a core at 20,000/s.
        boolean busy = lastRequests >= BUSY_BATCH;
        lastRequests = 0;
        if (busy) {
            for (int i = 0; i < BUSY_YIELDS; i++) {
                if (!requests.isEmpty() || !commands.isEmpty() || !running) return;
                Thread.yield();
            }
        }
        parked = true;
        if (requests.isEmpty() && commands.isEmpty() && running) {
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
