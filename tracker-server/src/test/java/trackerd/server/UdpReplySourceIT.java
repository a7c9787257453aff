package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 10: with the default wildcard listen ({@code 0.0.0.0:6969}, {@code [::]:6969}) on a host
 * with several addresses, every UDP reply must leave from the address its request was sent to;
 * clients drop replies from any other. The daemon runs inside a network namespace of its own
 * with 198.18.0.1, 198.18.0.2, 2001:db8::1 and 2001:db8::2 on {@code lo} (needs root, as CI
 * runs; skipped otherwise). Before the fix every probe here was answered from the prober's own
 * address (the kernel's choice of source for a local destination) and libtorrent's leecher
 * timed out.
 */
@Timeout(300)
class UdpReplySourceIT {
    static final Path PROBE = Path.of("src", "test", "resources", "e2e", "udp_reply_source.py");
    static final String[] ADDRESSES = {"198.18.0.1", "198.18.0.2", "2001:db8::1", "2001:db8::2"};
    static final int PORT = 6969; // the namespace is ours: the default port is free in it

    @TempDir
    Path dir;

    /** The defaults for UDP; the rest on loopback ports as in every other daemon test. */
    static List<String> defaultListen() {
        return List.of(
            "--set", "udp.listen=[\"0.0.0.0:" + PORT + "\", \"[::]:" + PORT + "\"]",
            "--set", "http.listen=[\"127.0.0.1:0\"]",
            "--set", "metrics.listen=\"127.0.0.1:0\"");
    }

    @ParameterizedTest(name = "native transport: {0}")
    @ValueSource(booleans = {true, false})
    void everyReplyShouldLeaveFromTheAddressItsRequestWasSentTo(boolean nativeTransport) throws Exception {
        // -Dio.netty.transport.noNative=true makes Epoll.isAvailable() false: the daemon runs on NIO
        List<String> jvm = nativeTransport ? List.of() : List.of("-Dio.netty.transport.noNative=true");
        try (NetworkNamespace ns = NetworkNamespace.create(ADDRESSES);
             TrackerProcess tracker = TrackerProcess.startWith(ns.command(), jvm, defaultListen())) {
            // each request from another address of the family than the one it is sent to
            List<String> command = new ArrayList<>(ns.command("/usr/bin/python3", PROBE.toString(),
                Integer.toString(PORT)));
            command.addAll(List.of("198.18.0.2:198.18.0.1", "198.18.0.1:198.18.0.2",
                "[2001:db8::2]:[2001:db8::1]", "[2001:db8::1]:[2001:db8::2]", "198.18.0.1:127.0.0.1"));
            Process probe = new ProcessBuilder(command).redirectErrorStream(true).start();
            assertTrue(probe.waitFor(30, TimeUnit.SECONDS), "probe did not end");
            String out = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, probe.exitValue(), out);
            List<String> lines = out.strip().lines().toList();
            assertEquals(5, lines.size(), out);
            String[] targets = {"198.18.0.1", "198.18.0.2", "2001:db8::1", "2001:db8::2", "127.0.0.1"};
            for (int i = 0; i < targets.length; i++) {
                assertTrue(lines.get(i).contains("\"reply_from\": \"" + targets[i] + "\", \"reply_port\": " + PORT
                    + ", \"length\": 16"), "connect to " + targets[i] + " answered from it:\n" + out
                    + "\ntracker:\n" + tracker.output());
            }
        }
    }

    @Test
    void libtorrentSeederAndLeecherOnDifferentAddressesShouldTransferOverIpv4AndIpv6() throws Exception {
        try (NetworkNamespace ns = NetworkNamespace.create(ADDRESSES);
             TrackerProcess tracker = TrackerProcess.startWith(ns.command(), List.of(), defaultListen())) {
            // the seeder asks from the tracker's address, the leecher from another one
            LibtorrentUdpIT.assertTransfer(ns.command(), "udp://198.18.0.1:" + PORT + "/announce",
                "198.18.0.1", "198.18.0.2", dir.resolve("v4"));
            LibtorrentUdpIT.assertTransfer(ns.command(), "udp://[2001:db8::1]:" + PORT + "/announce",
                "2001:db8::1", "2001:db8::2", dir.resolve("v6"));
        }
    }
}
