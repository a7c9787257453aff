package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * With no traffic the swarm workers park and the event loops block: the daemon must not burn a
 * core. Reads the process's CPU time over a few idle seconds (a busy spin would use ~100 %).
 */
@Timeout(60)
class IdleCpuIT {
    @Test
    void idleTrackerShouldUseAlmostNoCpu() throws Exception {
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback("--set", "workers.swarm_workers=2")) {
            tracker.await(Pattern.compile("listening udp"), Duration.ofSeconds(5));
            long pid = tracker.pid();
            double before = cpuSeconds(pid);
            long start = System.nanoTime();
            Thread.sleep(4_000); // the quantity measured is idle time itself
            double used = cpuSeconds(pid) - before;
            double wall = (System.nanoTime() - start) / 1e9;
            assertTrue(used / wall < 0.10, "idle CPU " + Math.round(100 * used / wall) + " % of a core");
        }
    }

    /** utime + stime from /proc/PID/stat, in seconds (USER_HZ is 100 on Linux). */
    static double cpuSeconds(long pid) throws Exception {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / 100.0;
    }
}
