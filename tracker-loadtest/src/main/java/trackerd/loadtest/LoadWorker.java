package trackerd.loadtest;

import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One load thread: an event loop with its sessions (UDP sockets, HTTP or WebSocket connections).
 * Every session connects first; the clock starts when all are connected. In saturation mode
 * each reply is followed at once by the next request on its session. At a fixed rate a pacing task, queued again after every run, sends what
 * is due on any socket with room, and latency counts from each request's intended time: a slow
 * tracker shows as latency rather than as a lower send rate.
 */
final class LoadWorker {
    private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(1);

    final WorkerStats stats = new WorkerStats();
    /**
     * Takes what happens before the measured window (connect phase, warm-up) and is thrown away.
     * Counting there too keeps the warm-up on the code the measured window runs: with the
     * counting skipped, the JIT compiled the sessions without it and had to deoptimize and
     * recompile them as the window opened, on this tool's one core: a stall that showed in the
     * measured p99.
     */
    private final WorkerStats discarded = new WorkerStats();
    /** Indexed without a branch (see {@link #statsFor}): the JIT would compile a never-taken branch as a trap. */
    private final WorkerStats[] sinks = {stats, discarded};
    private final List<LoadSession> sessions = new ArrayList<>();
    private final double nanosPerRequest;
    private final long timeoutNanos;
    private final CompletableFuture<Void> finished = new CompletableFuture<>();
    private final CompletableFuture<Void> connected = new CompletableFuture<>();
    private final Runnable pace = this::pace;
    /** When the pacing schedule starts: the warm-up begins here. */
    private long startNanos;
    /** When counting starts: the end of the warm-up; until {@link #run} sets it, far in the future. */
    private long measureNanos = System.nanoTime() + (1L << 62);
    private long endNanos;
    private long drainEndNanos;
    private long issued;
    private int nextSession;
    private long lastExpiry;
    private ScheduledFuture<?> timer;

    final LoadTestConfig config;
    final EventLoop loop;
    /** Sessions split their own generators from it, so a seed gives the same requests. */
    final SplittableRandom random;

    LoadWorker(int index, EventLoop loop, LoadTestConfig config, long timeoutMillis) {
        this.loop = loop;
        this.config = config;
        long ratePerWorker = config.rate() / config.workers() + (index < config.rate() % config.workers() ? 1 : 0);
        nanosPerRequest = config.rate() == 0 ? 0 : 1e9 / Math.max(1, ratePerWorker);
        timeoutNanos = TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        random = new SplittableRandom(config.workload().seed() * 31 + index);
    }

    void add(LoadSession session) {
        sessions.add(session);
    }

    /** Every session connects; completes when all are connected. */
    CompletableFuture<Void> connect() {
        loop.execute(() -> {
            long now = System.nanoTime();
            for (LoadSession session : sessions) session.start(now);
            timer = loop.scheduleAtFixedRate(this::retryConnects, 100, 100, TimeUnit.MILLISECONDS);
        });
        return connected;
    }

    /** A session is connected. */
    void onConnected() {
        if (!connected.isDone() && allConnected()) {
            timer.cancel(false);
            connected.complete(null);
        }
    }

    private boolean allConnected() {
        for (LoadSession session : sessions) {
            if (!session.connected()) return false;
        }
        return true;
    }

    private void retryConnects() {
        long now = System.nanoTime();
        for (LoadSession session : sessions) {
            if (!session.connected()) session.retry(now, timeoutNanos);
        }
    }

    /**
     * Sends from {@code startNanos} to {@code endNanos}, counting what is sent from
     * {@code measureNanos} on (before it: warm-up); completes when drained.
     */
    CompletableFuture<Void> run(long startNanos, long measureNanos, long endNanos, long drainNanos) {
        loop.execute(() -> {
            this.measureNanos = measureNanos;
            this.startNanos = startNanos;
            this.endNanos = endNanos;
            this.drainEndNanos = endNanos + drainNanos;
            if (nanosPerRequest == 0) {
                timer = loop.scheduleAtFixedRate(this::tick, 0, TICK_NANOS, TimeUnit.NANOSECONDS);
            } else {
                loop.execute(pace);
            }
        });
        return finished;
    }

    /** Whether a request sent at that time is part of the results (not connect phase or warm-up). */
    boolean counts(long sentNanos) {
        return sentNanos - measureNanos >= 0;
    }

    /** Where what follows from a request sent at that time is counted: the results or the discarded twin. */
    WorkerStats statsFor(long sentNanos) {
        return sinks[(int) ((sentNanos - measureNanos) >>> 63)];
    }

    private boolean sending(long now) {
        return now < endNanos;
    }

    /** After a batch of replies on a session: in saturation mode, refill its window. */
    void afterReplies(LoadSession session) {
        if (nanosPerRequest == 0) fill(session, System.nanoTime());
    }

    private void fill(LoadSession session, long now) {
        while (sending(now) && session.canSend()) session.send(now, now);
    }

    /** Every 10 ms at most: free the slots of requests that got no reply in time. */
    private void expireLost(long now) {
        if (now - lastExpiry < 10 * TICK_NANOS) return;
        lastExpiry = now;
        for (LoadSession session : sessions) session.expire(now, timeoutNanos);
    }

    /** Saturation mode, every millisecond: time out lost requests, refill windows, finish. */
    private void tick() {
        long now = System.nanoTime();
        expireLost(now);
        for (LoadSession session : sessions) {
            fill(session, now);
            session.flush();
        }
        if (done(now)) timer.cancel(false);
    }

    /**
     * Fixed-rate mode: send what is due, then queue itself again, so the loop polls its sockets
     * and the schedule without sleeping. That costs the load tester's core (which it has to
     * itself) and sends each request within microseconds of its time; pacing on a 20-microsecond
     * timer measured worse at the median and no better in the tail.
     */
    private void pace() {
        long now = System.nanoTime();
        expireLost(now);
        // request i is due from its intended time, startNanos + i * nanosPerRequest, on (a floor
        // without the + 1 sent each one a whole interval late: 2 ms of latency at 500/s); the last
        // is the one intended before endNanos
        long due = now - startNanos < 0 ? 0 : Math.min((long) ((now - startNanos) / nanosPerRequest) + 1,
            (long) Math.ceil((endNanos - startNanos) / nanosPerRequest));
        boolean sent = false;
        while (issued < due) {
            LoadSession session = nextWithRoom();
            if (session == null) break; // every window full: the rest stays due, its latency grows
            session.send(startNanos + (long) (issued * nanosPerRequest), now);
            issued++;
            sent = true;
        }
        if (sent) {
            for (LoadSession session : sessions) session.flush();
        }
        if (!done(now)) loop.execute(pace);
    }

    private boolean done(long now) {
        if (!sending(now) && (now >= drainEndNanos || allIdle())) {
            finished.complete(null);
            return true;
        }
        return false;
    }

    private LoadSession nextWithRoom() {
        for (int i = 0; i < sessions.size(); i++) {
            LoadSession session = sessions.get(nextSession);
            nextSession = (nextSession + 1) % sessions.size();
            if (session.canSend()) return session;
        }
        return null;
    }

    private boolean allIdle() {
        for (LoadSession session : sessions) {
            if (!session.idle()) return false;
        }
        return true;
    }
}
