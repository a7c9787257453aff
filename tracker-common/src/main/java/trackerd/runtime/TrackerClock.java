package trackerd.runtime;

import java.util.concurrent.TimeUnit;

/**
 * The one clock of a tracker process: monotonic seconds since start for everything on the hot
 * path (peer ticks, connection-id windows), anchored to the wall clock once at start, so that a
 * peer's age can be written to disk or sent to another node and read back there. Immutable and
 * shared by the engine and every front end; event loops cache {@link #nowSeconds()} per batch.
 */
public final class TrackerClock {
    private final long startNanos;
    private final long startEpochMillis;

    private TrackerClock(long startNanos, long startEpochMillis) {
        this.startNanos = startNanos;
        this.startEpochMillis = startEpochMillis;
    }

    /** A clock that starts now. */
    public static TrackerClock start() {
        return new TrackerClock(System.nanoTime(), System.currentTimeMillis());
    }

    /** Nanoseconds since start (monotonic). */
    public long nowNanos() {
        return System.nanoTime() - startNanos;
    }

    /** Whole seconds since start (monotonic). */
    public long nowSeconds() {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos);
    }

    /** Wall-clock seconds since the Unix epoch at {@code secondsSinceStart}. */
    public long epochSecondsAt(long secondsSinceStart) {
        return startEpochMillis / 1000 + secondsSinceStart;
    }

    /** Seconds since start of a wall-clock time (negative if before the start). */
    public long secondsSinceStartAt(long epochSeconds) {
        return epochSeconds - startEpochMillis / 1000;
    }
}
