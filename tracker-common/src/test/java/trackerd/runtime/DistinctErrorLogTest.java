package trackerd.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

class DistinctErrorLogTest {
    final DistinctErrorLog log = new DistinctErrorLog(LoggerFactory.getLogger(DistinctErrorLogTest.class));

    static RuntimeException fail(int kind) {
        return kind == 0 ? new IllegalStateException("a") : new IllegalArgumentException("b");
    }

    @Test
    void eachDistinctStackShouldBeLoggedOnce() {
        int logged = 0;
        for (int i = 0; i < 100; i++) {
            if (log.log("failed", fail(i % 2))) logged++;
        }
        assertTrue(logged == 2, "one line per distinct failure, not per occurrence: " + logged);
    }

    @Test
    void theLogShouldStopAddingPastItsBound() {
        int logged = 0;
        for (int i = 0; i < DistinctErrorLog.MAX_DISTINCT * 2; i++) {
            // a distinct stack each time: different exception classes are not enough, vary the depth
            if (log.log("failed", deep(i))) logged++;
        }
        assertTrue(logged <= DistinctErrorLog.MAX_DISTINCT, "bounded: " + logged);
    }

    static RuntimeException deep(int depth) {
        return depth == 0 ? new IllegalStateException("deep") : deep(depth - 1);
    }
}
