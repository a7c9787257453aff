package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The shipped deployment files run for real under podman, through {@code scripts/container-test}:
 * the image of {@code docker/Dockerfile} (answers BEP 15 and /metrics, stops with exit code 0) and
 * {@code scripts/trackerd.service} under a real systemd as PID 1 of a container (start, reload,
 * stop, restart, the sandbox in force, {@code systemd-analyze security} exposure at most 2.0).
 *
 * <p>The script holds the checks, so that an operator can run them by hand; this class runs it on
 * the jar this build made, prints its output, and fails with its last lines. The script exits 77
 * when podman cannot run at all (not root): that is a skipped test, with the script's reason. A
 * cold run (no cached base image) takes about two minutes, a warm one under one.
 */
class ContainerIT {
    private static final Path SCRIPT = Path.of("..", "scripts", "container-test");
    private static final int SKIPPED = 77;

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void imageShouldAnswerUdpAndMetricsAndStopWithExitCodeZero() throws Exception {
        run("image");
    }

    @Test
    @Timeout(value = 15, unit = TimeUnit.MINUTES)
    void unitShouldStartReloadStopAndRestartSandboxedUnderSystemd() throws Exception {
        run("systemd");
    }

    private static void run(String what) throws IOException, InterruptedException {
        assertTrue(Files.isRegularFile(TrackerProcess.JAR), TrackerProcess.JAR + " missing: run mvn package first");
        Path log = Path.of("target", "container-test-" + what + ".log");
        Process process = new ProcessBuilder(List.of("bash", SCRIPT.toString(), what))
            .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int exit;
        try {
            // below the @Timeout, so that the script's own cleanup (containers, volume) can run
            if (!process.waitFor(14, TimeUnit.MINUTES)) {
                process.destroy();
                process.waitFor(30, TimeUnit.SECONDS);
                throw new AssertionError("scripts/container-test " + what + " ran over 14 minutes; output in " + log);
            }
            exit = process.exitValue();
        } finally {
            process.destroyForcibly();
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        System.out.print(output);
        if (exit == SKIPPED) {
            Assumptions.abort(lastLines(output, 1));
        }
        assertEquals(0, exit, () -> "scripts/container-test " + what + " failed:\n" + lastLines(output, 15));
    }

    private static String lastLines(String text, int count) {
        List<String> lines = text.strip().lines().toList();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - count), lines.size()));
    }
}
