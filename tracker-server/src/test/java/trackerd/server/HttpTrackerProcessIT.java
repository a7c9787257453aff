package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The real tracker.jar serving HTTP beside UDP: one swarm per info hash whichever protocol a peer
 * announces over, HTTP metrics on the metrics endpoint, and a clean SIGTERM with an HTTP
 * keep-alive connection open.
 */
@Timeout(60)
class HttpTrackerProcessIT {
    static final byte[] HASH = HexFormat.of().parseHex("0123456789abcdef0123456789abcdef01234567");

    private final HttpClient client = HttpClient.newHttpClient();

    @Test
    void udpAndHttpAnnouncesOfOneInfoHashShouldShareOneSwarm() throws Exception {
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback("--set", "workers.swarm_workers=2");
             DatagramSocket udp = new DatagramSocket()) {
            InetSocketAddress udpAddress = new InetSocketAddress("127.0.0.1", tracker.port("udp"));
            int httpPort = tracker.port("http");
            udp.setSoTimeout(10_000);
            udp.connect(udpAddress);
            long connectionId = udpConnect(udp);

            ByteBuffer first = udpAnnounce(udp, connectionId, 6881, 100); // a UDP leecher
            assertEquals(0, first.remaining() - 20, "alone in the swarm");

            // an HTTP seeder gets the UDP leecher (HTTP body: compact peers, BEP 23)
            byte[] body = httpAnnounce(httpPort, 6882, 0);
            String text = new String(body, StandardCharsets.ISO_8859_1);
            assertTrue(text.startsWith("d8:completei1e10:downloadedi0e10:incompletei1e"), text);
            assertTrue(text.endsWith("5:peers6:" + new String(new byte[] {127, 0, 0, 1, 0x1a, (byte) 0xe1},
                StandardCharsets.ISO_8859_1) + "e"), text);

            // an HTTP leecher, then a UDP seeder: it gets both leechers, HTTP's and UDP's
            httpAnnounce(httpPort, 6883, 50);
            ByteBuffer seeder = udpAnnounce(udp, connectionId, 6884, 0);
            assertEquals(2, seeder.getInt(12), "leechers: one UDP, one HTTP");
            assertEquals(2, seeder.getInt(16), "seeders: one HTTP, one UDP");
            assertEquals(2 * 6, seeder.remaining() - 20, "both leechers as peers");

            HttpResponse<String> metrics = client.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + tracker.port("metrics") + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
            assertTrue(metrics.body().contains(
                "tracker_requests_total{ip_version=\"4\",protocol=\"http\",type=\"announce\"} 2.0"), metrics.body());
            assertTrue(metrics.body().contains("tracker_connections{protocol=\"http\"}"), metrics.body());
        }
    }

    @Test
    void sigtermShouldExitZeroWithAKeepAliveConnectionOpen() throws Exception {
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback();
             Socket socket = new Socket("127.0.0.1", tracker.port("http"))) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write("GET /health HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String response = new String(in.readNBytes(66), StandardCharsets.US_ASCII);
            assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n") && response.endsWith("\r\n\r\nok"), response);
            tracker.signal("TERM");
            assertEquals(0, tracker.waitForExit(Duration.ofSeconds(15)), tracker.output());
            tracker.await(Pattern.compile("listening http 127.0.0.1:"), Duration.ofSeconds(1));
        }
    }

    private byte[] httpAnnounce(int port, int peerPort, long left) throws Exception {
        StringBuilder hash = new StringBuilder();
        for (byte b : HASH) hash.append('%').append(HexFormat.of().toHexDigits(b));
        URI uri = URI.create("http://127.0.0.1:" + port + "/announce?info_hash=" + hash + "&peer_id=-TT0001-"
            + String.format("%012d", peerPort) + "&port=" + peerPort + "&left=" + left);
        HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(uri).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(200, response.statusCode());
        assertEquals("text/plain", response.headers().firstValue("Content-Type").orElseThrow());
        return response.body();
    }

    /** BEP 15 connect: protocol id, action 0, transaction id; the reply carries the connection id. */
    private static long udpConnect(DatagramSocket udp) throws Exception {
        ByteBuffer request = ByteBuffer.allocate(16).putLong(0x41727101980L).putInt(0).putInt(7);
        ByteBuffer reply = exchange(udp, request.array());
        assertEquals(0, reply.getInt(0));
        return reply.getLong(8);
    }

    /** BEP 15 announce; returns the whole reply (action, tid, interval, leechers, seeders, peers). */
    private static ByteBuffer udpAnnounce(DatagramSocket udp, long connectionId, int port, long left) throws Exception {
        ByteBuffer request = ByteBuffer.allocate(98)
            .putLong(connectionId).putInt(1).putInt(8)
            .put(HASH).put(String.format("-UU0001-%012d", port).getBytes(StandardCharsets.US_ASCII))
            .putLong(0).putLong(left).putLong(0)
            .putInt(0).putInt(0).putInt(0).putInt(-1).putShort((short) port);
        ByteBuffer reply = exchange(udp, request.array());
        assertEquals(1, reply.getInt(0), "an announce reply");
        return reply;
    }

    private static ByteBuffer exchange(DatagramSocket udp, byte[] request) throws Exception {
        udp.send(new DatagramPacket(request, request.length));
        byte[] buffer = new byte[2048];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        udp.receive(packet);
        return ByteBuffer.wrap(buffer, 0, packet.getLength()).slice();
    }
}
