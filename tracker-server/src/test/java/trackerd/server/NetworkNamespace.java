package trackerd.server;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A network namespace of its own ({@code ip netns}), for tests that need a host with several
 * addresses: {@code lo} up with 127.0.0.1 and ::1, plus the given addresses on {@code lo}
 * (IPv6 ones with {@code nodad}, usable at once). Commands run inside it through
 * {@link #command}. Needs root: without it the test is skipped (JUnit assumption); as root a
 * failure to create it fails the test. Deleted on close; a namespace left behind by a killed JVM
 * is named after its pid.
 */
final class NetworkNamespace implements AutoCloseable {
    private static final AtomicInteger NEXT = new AtomicInteger();
    final String name;

    private NetworkNamespace(String name) {
        this.name = name;
    }

    /** Creates it with the addresses ("198.18.0.1", "2001:db8::1", ...) on lo. */
    static NetworkNamespace create(String... addresses) throws Exception {
        assumeTrue(isRoot(), "network namespaces need root (ip netns add); CI runs as root");
        NetworkNamespace ns = new NetworkNamespace("trackerd-it-" + ProcessHandle.current().pid() + "-"
            + NEXT.incrementAndGet());
        run("ip", "netns", "add", ns.name);
        try {
            ns.exec("ip", "link", "set", "lo", "up");
            for (String address : addresses) {
                if (address.contains(":")) {
                    ns.exec("ip", "-6", "addr", "add", address + "/128", "dev", "lo", "nodad");
                } else {
                    ns.exec("ip", "addr", "add", address + "/32", "dev", "lo");
                }
            }
        } catch (Exception | AssertionError e) {
            ns.close();
            throw e;
        }
        return ns;
    }

    private static boolean isRoot() throws Exception {
        return "0".equals(output(new ProcessBuilder("id", "-u")).strip());
    }

    /** The command, to be run inside this namespace. */
    List<String> command(String... command) {
        return command(List.of(command));
    }

    List<String> command(List<String> command) {
        List<String> all = new ArrayList<>(List.of("ip", "netns", "exec", name));
        all.addAll(command);
        return all;
    }

    /** Runs a short command inside; fails with its output unless it exits 0 within 10 s. */
    void exec(String... command) throws Exception {
        run(command(command).toArray(new String[0]));
    }

    private static void run(String... command) throws Exception {
        output(new ProcessBuilder(command));
    }

    private static String output(ProcessBuilder builder) throws Exception {
        Process process = builder.redirectErrorStream(true).start();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError(builder.command() + " did not end within 10 s");
        }
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) {
            throw new AssertionError(builder.command() + " exited " + process.exitValue() + ": " + out);
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        try {
            run("ip", "netns", "del", name);
        } catch (Exception e) {
            throw new IOException("cannot delete network namespace " + name, e);
        }
    }
}
