package trackerd.loadtest;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Third-party trackers, really started on loopback, for the modes whose server trackerd does
 * not have yet: opentracker (Debian package) for HTTP, and the npm bittorrent-tracker package
 * for HTTP(S) and WebSocket (wss too), both installed by scripts/install-test-deps.
 */
final class ReferenceTrackers {
    static final Path NODE_SCRIPT = Path.of("src", "test", "node", "reference-tracker.mjs");

    private ReferenceTrackers() {}

    /** A started tracker process and its ports; closing it stops the process. */
    record Started(Process process, int port, int tlsPort) implements AutoCloseable {
        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
        }
    }

    /** opentracker on a free loopback port, serving the default workload's info hashes (a whitelist build). */
    static Started opentracker(Path dir) throws Exception {
        List<String> hashes = new ArrayList<>();
        int torrents = LoadTestConfig.load(null, List.of()).workload().torrents();
        for (int t = 0; t < torrents; t++) hashes.add(Workload.hex(t));
        Files.write(dir.resolve("whitelist.txt"), hashes);
        // run as root it drops to nobody after the chroot: JUnit's temp folders are 0700
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(dir.resolve("whitelist.txt"), PosixFilePermissions.fromString("rw-r--r--"));
        // a port free for TCP may be taken for UDP (opentracker binds both): try another then
        for (int attempt = 1; attempt <= 3; attempt++) {
            int port = freePort();
            // it chroots into -d and reads the whitelist relative to it
            Process process = new ProcessBuilder("opentracker", "-i", "127.0.0.1", "-p", String.valueOf(port),
                "-P", String.valueOf(port), "-w", "whitelist.txt", "-d", dir.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("opentracker.log").toFile()).start();
            Started started = new Started(process, port, 0);
            if (awaitListening(started)) return started;
            started.close();
        }
        return fail("opentracker did not start in 3 attempts: " + Files.readString(dir.resolve("opentracker.log")));
    }

    /**
     * bittorrent-tracker (node): HTTP and WS on a port of 127.0.0.1, HTTPS and WSS with a fresh
     * self-signed certificate on a port of ::1.
     */
    static Started bittorrentTracker(Path dir) throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
            "-subj", "/CN=127.0.0.1", "-days", "1", "-keyout", key.toString(), "-out", cert.toString())
            .redirectErrorStream(true).redirectOutput(dir.resolve("openssl.log").toFile()).start();
        assertTrue(openssl.waitFor(30, TimeUnit.SECONDS) && openssl.exitValue() == 0, "openssl made a certificate");
        Process process = new ProcessBuilder("node", NODE_SCRIPT.toString(), cert.toString(), key.toString())
            .redirectErrorStream(true).start();
        BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
        String line = lines.readLine(); // the script prints its ports once listening, or dies with a stack trace
        Matcher m = line == null ? null : Pattern.compile("\\{\"http\":(\\d+),\"https\":(\\d+)}").matcher(line);
        if (m == null || !m.matches()) {
            process.destroyForcibly();
            fail("bittorrent-tracker did not start (run scripts/install-test-deps): " + line);
        }
        return new Started(process, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** True once it accepts connections; false if it exited or did not listen within 10 s. */
    private static boolean awaitListening(Started tracker) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < deadline && tracker.process().isAlive()) {
            if (listening(tracker.port())) return true;
            Thread.sleep(50);
        }
        return false;
    }

    private static boolean listening(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
