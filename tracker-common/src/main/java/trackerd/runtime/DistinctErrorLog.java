package trackerd.runtime;

import java.util.Arrays;
import org.slf4j.Logger;

/**
 * Logs each distinct failure once: a worker that fails on every request of a certain shape
 * must not write a stack trace per request. Failures are told apart by exception class and stack
 * frames; after {@link #MAX_DISTINCT} distinct ones, further new ones are only counted by the
 * caller. One instance per thread (no locks).
 */
public final class DistinctErrorLog {
    static final int MAX_DISTINCT = 64;

    private final Logger log;
    private final int[] seen = new int[MAX_DISTINCT];
    private int seenCount;

    public DistinctErrorLog(Logger log) {
        this.log = log;
    }

    /** Logs {@code what} with the stack if this stack was not seen before; true if it logged. */
    public boolean log(String what, Throwable failure) {
        int signature = signature(failure);
        for (int i = 0; i < seenCount; i++) {
            if (seen[i] == signature) return false;
        }
        if (seenCount == MAX_DISTINCT) return false;
        seen[seenCount++] = signature;
        log.error("{} (each distinct failure is logged once, all are counted)", what, failure);
        return true;
    }

    static int signature(Throwable failure) {
        int h = failure.getClass().getName().hashCode();
        h = 31 * h + Arrays.hashCode(failure.getStackTrace());
        Throwable cause = failure.getCause();
        return cause == null || cause == failure ? h : 31 * h + cause.getClass().getName().hashCode();
    }
}
