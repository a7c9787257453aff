package trackerd.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real {@code tracker.jar} in its own JVM, as systemd would run it: output captured line by
 * line, waits bounded by deadlines, signals sent with {@code kill}.
 */
final class TrackerProcess implements AutoCloseable {
    static final Path JAR = Path.of("target", "tracker.jar");
    /** Every front end on an ephemeral loopback port, so test runs never collide. */
    static final List<String> LOOPBACK = List.of(
        "--set", "udp.listen=[\"127.0.0.1:0\", \"[::1]:0\"]",
        "--set", "http.listen=[\"127.0.0.1:0\"]",
        "--set", "metrics.listen=\"127.0.0.1:0\"");

    private final Process process;
    private final List<String> lines = new ArrayList<>();
    private final Thread reader;
    /** Guarded by {@code lines}: the process closed its output, no more lines will come. */
    private boolean outputEnded;

    private TrackerProcess(List<String> args) throws IOException {
        this(List.of(), List.of(), args);
    }

    /**
     * @param wrapper a command the JVM runs under, which must exec it (so the pid is the JVM's)
     * @param jvmOptions extra JVM options, e.g. {@code -Dio.netty.transport.noNative=true}
     */
    private TrackerProcess(List<String> wrapper, List<String> jvmOptions, List<String> args) throws IOException {
        if (!Files.isRegularFile(JAR)) throw new IllegalStateException(JAR + " missing: run mvn package first");
        List<String> command = new ArrayList<>(wrapper);
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Xmx256m");
        command.add("-Dio.netty.leakDetection.level=paranoid");
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(JAR.toString());
        command.addAll(args);
        process = new ProcessBuilder(command).redirectErrorStream(true).start();
        reader = new Thread(this::readLines, "tracker-output");
        reader.setDaemon(true);
        reader.start();
    }

    static TrackerProcess start(List<String> args) throws IOException {
        return new TrackerProcess(args);
    }

    static TrackerProcess start(List<String> wrapper, List<String> jvmOptions, List<String> args) throws IOException {
        return new TrackerProcess(wrapper, jvmOptions, args);
    }

    static TrackerProcess start(String... args) throws IOException {
        return new TrackerProcess(List.of(args));
    }

    /** Starts on loopback ports with extra args and waits for the "started" line. */
    static TrackerProcess startOnLoopback(String... extra) throws IOException {
        List<String> args = new ArrayList<>(LOOPBACK);
        args.addAll(List.of(extra));
        TrackerProcess tracker = start(args);
        tracker.await(Pattern.compile("trackerd .* started"), Duration.ofSeconds(20));
        return tracker;
    }

    /** Starts through a launcher (e.g. inside a network namespace) and waits for the "started" line. */
    static TrackerProcess startWith(List<String> launcher, List<String> jvmOptions, List<String> args)
            throws IOException {
        TrackerProcess tracker = new TrackerProcess(launcher, jvmOptions, args);
        tracker.await(Pattern.compile("trackerd .* started"), Duration.ofSeconds(20));
        return tracker;
    }

    private void readLines() {
        try (BufferedReader in = new BufferedReader(
                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                synchronized (lines) {
                    lines.add(line);
                    lines.notifyAll();
                }
            }
        } catch (IOException e) {
            // the process is gone
        } finally {
            synchronized (lines) {
                outputEnded = true;
                lines.notifyAll(); // a waiter stops waiting for lines that cannot come
            }
        }
    }

    /** Waits for an output line matching the pattern; returns its match. */
    Matcher await(Pattern pattern, Duration timeout) {
        return await(pattern, 1, timeout);
    }

    /** Waits for the {@code nth} output line (from 1) matching the pattern; returns its match. */
    Matcher await(Pattern pattern, int nth, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        int seen = 0;
        int matched = 0;
        synchronized (lines) {
            while (true) {
                for (; seen < lines.size(); seen++) {
                    Matcher m = pattern.matcher(lines.get(seen));
                    if (m.find() && ++matched == nth) return m;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0 || outputEnded) {
                    throw new AssertionError("no line " + nth + " matching " + pattern + " in:\n" + output());
                }
                try {
                    lines.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError(e);
                }
            }
        }
    }

    /** The port of the first "listening PROTOCOL ..." line for that protocol. */
    int port(String protocol) {
        Matcher m = await(Pattern.compile("listening " + protocol + " \\S*?:(\\d+)"), Duration.ofSeconds(20));
        return Integer.parseInt(m.group(1));
    }

    long pid() {
        return process.pid();
    }

    void signal(String name) throws Exception {
        Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start();
        if (kill.waitFor() != 0) throw new AssertionError("kill -" + name + " failed");
    }

    int waitForExit(Duration timeout) throws Exception {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("tracker did not exit within " + timeout + ":\n" + output());
        }
        reader.join(timeout.toMillis());
        return process.exitValue();
    }

    String output() {
        synchronized (lines) {
            return String.join("\n", lines);
        }
    }

    List<String> lines() {
        synchronized (lines) {
            return List.copyOf(lines);
        }
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
