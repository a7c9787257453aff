package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon without Netty's native transport, as when {@code /tmp} is mounted {@code noexec}:
 * it must say why once, and the default wildcard layout ({@code 0.0.0.0} and {@code [::]} on one
 * port) must still bind and answer both families. Before the fix the fallback was silent and the
 * second wildcard failed with "Address already in use".
 */
@Timeout(60)
class NativeFallbackIT {
    private static final long PROTOCOL_ID = 0x41727101980L;

    @TempDir
    Path dir;

    @Test
    void forcedNioShouldLogTheCauseAndServeIpv4AndIpv6OnTheWildcardLayout() throws Exception {
        try (TrackerProcess tracker = startWildcard(List.of(), List.of("-Dio.netty.transport.noNative=true"))) {
            tracker.await(Pattern.compile("native epoll unavailable, falling back to NIO.*Cause: .*noNative"),
                Duration.ofSeconds(5));
            assertBothFamiliesAnswered(tracker);
        }
    }

    /** The real fault: Netty's temp directory on a noexec mount (needs root for a mount namespace). */
    @Test
    void noexecTempDirectoryShouldLogWhyAndStillServe() throws Exception {
        Path noexec = dir.resolve("noexec");
        java.nio.file.Files.createDirectories(noexec);
        assumeTrue(canMountNoexec(noexec), "no mount namespace here (unshare -m needs root)");
        List<String> wrapper = List.of("unshare", "-m", "sh", "-c",
            "mount -t tmpfs -o noexec tmpfs \"$0\" && exec \"$@\"", noexec.toString());
        try (TrackerProcess tracker = startWildcard(wrapper, List.of("-Dio.netty.tmpdir=" + noexec))) {
            tracker.await(Pattern.compile("native epoll unavailable, falling back to NIO.*"
                + "io.netty.native.workdir.*Cause: .*failed to map segment"), Duration.ofSeconds(5));
            assertBothFamiliesAnswered(tracker);
        }
    }

    private static boolean canMountNoexec(Path dir) throws Exception {
        try {
            Process p = new ProcessBuilder("unshare", "-m", "mount", "-t", "tmpfs", "-o", "noexec", "tmpfs",
                dir.toString()).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    private static TrackerProcess startWildcard(List<String> wrapper, List<String> jvmOptions) throws Exception {
        int port;
        try (DatagramSocket free = new DatagramSocket(0)) {
            port = free.getLocalPort();
        }
        TrackerProcess tracker = TrackerProcess.start(wrapper, jvmOptions, List.of(
            "--set", "udp.listen=[\"0.0.0.0:" + port + "\", \"[::]:" + port + "\"]",
            "--set", "http.enabled=false", "--set", "metrics.listen=\"127.0.0.1:0\""));
        tracker.await(Pattern.compile("trackerd .* started"), Duration.ofSeconds(20));
        return tracker;
    }

    private static void assertBothFamiliesAnswered(TrackerProcess tracker) throws Exception {
        int port = tracker.port("udp");
        assertConnectAnswered(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
        assertConnectAnswered(new InetSocketAddress(InetAddress.getByName("::1"), port));
    }

    /** BEP 15 connect: 16 bytes out (protocol id, action 0, transaction id), 16 back. */
    private static void assertConnectAnswered(InetSocketAddress tracker) throws Exception {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.setSoTimeout(500);
            int transactionId = 0x5eed0000 + tracker.getPort();
            byte[] request = ByteBuffer.allocate(16).putLong(PROTOCOL_ID).putInt(0).putInt(transactionId).array();
            byte[] reply = new byte[64];
            for (int attempt = 0; attempt < 10; attempt++) { // UDP: resend on loss, bounded
                socket.send(new DatagramPacket(request, request.length, tracker));
                DatagramPacket packet = new DatagramPacket(reply, reply.length);
                try {
                    socket.receive(packet);
                } catch (java.net.SocketTimeoutException e) {
                    continue;
                }
                ByteBuffer in = ByteBuffer.wrap(reply, 0, packet.getLength());
                assertEquals(16, packet.getLength(), "connect reply from " + tracker);
                assertEquals(0, in.getInt(), "action connect");
                assertEquals(transactionId, in.getInt(), "transaction id");
                assertEquals(tracker.getAddress(), packet.getAddress(), "answered from the address asked");
                return;
            }
            throw new AssertionError("no connect reply from " + tracker);
        }
    }
}
