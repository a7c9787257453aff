package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;

/**
 * Real announces over every protocol the tracker serves, one driver per protocol, for the tests that
 * watch the metrics, the stats page and the Grafana panels move. Announce {@code i} goes to torrent
 * {@code i % TORRENTS} from peer port {@code 10000 + i}; every third peer is a seeder and every
 * fifth completes (BEP 3/15 {@code event=completed}), so each torrent gets seeders, leechers and a
 * completed count. WebTorrent joins the list when its front end lands.
 */
final class ProtocolTraffic {
    static final int TORRENTS = 5;

    /** Announces over one protocol; {@code from} makes peers distinct between calls. */
    interface Driver {
        String protocol();

        void announce(int from, int count) throws Exception;
    }

    private ProtocolTraffic() {}

    /** One driver per protocol the started tracker serves (udp, http; ws when it exists). */
    static List<Driver> all(TrackerProcess tracker) {
        return List.of(udp(tracker.port("udp")), http(tracker.port("http")));
    }

    /** 20 bytes: the torrent's number in the last byte of a fixed prefix. */
    static byte[] infoHash(int torrent) {
        byte[] hash = HexFormat.of().parseHex("7472616666696373746174730000000000000000");
        hash[19] = (byte) torrent;
        return hash;
    }

    private static boolean seeder(int i) {
        return i % 3 == 0;
    }

    private static boolean completes(int i) {
        return i % 5 == 0;
    }

    static Driver udp(int port) {
        return new Driver() {
            @Override
            public String protocol() {
                return "udp";
            }

            @Override
            public void announce(int from, int count) throws Exception {
                try (DatagramSocket udp = new DatagramSocket()) {
                    udp.setSoTimeout(5_000);
                    udp.connect(InetAddress.getLoopbackAddress(), port);
                    // BEP 15 connect: protocol id, action 0, transaction id
                    ByteBuffer connected = exchange(udp, ByteBuffer.allocate(16).putLong(0x41727101980L).putInt(0)
                        .putInt(7).array());
                    long connectionId = connected.getLong(8);
                    for (int i = from; i < from + count; i++) {
                        int peerPort = 10_000 + i;
                        ByteBuffer request = ByteBuffer.allocate(98)
                            .putLong(connectionId).putInt(1).putInt(i)          // connection id, announce, tid
                            .put(infoHash(i % TORRENTS))
                            .put(String.format("-UU0001-%012d", i).getBytes(StandardCharsets.US_ASCII))
                            .putLong(0).putLong(seeder(i) ? 0 : 1_000).putLong(0) // downloaded, left, uploaded
                            .putInt(completes(i) ? 1 : 2)                      // event: completed / started
                            .putInt(0).putInt(0).putInt(-1).putShort((short) peerPort); // ip, key, numwant, port
                        assertEquals(1, exchange(udp, request.array()).getInt(0), "an announce reply");
                    }
                }
            }
        };
    }

    static Driver http(int port) {
        HttpClient client = HttpClient.newHttpClient();
        return new Driver() {
            @Override
            public String protocol() {
                return "http";
            }

            @Override
            public void announce(int from, int count) throws Exception {
                for (int i = from; i < from + count; i++) {
                    StringBuilder hash = new StringBuilder();
                    for (byte b : infoHash(i % TORRENTS)) hash.append('%').append(HexFormat.of().toHexDigits(b));
                    // peer ports apart from the udp driver's, so both protocols' peers are distinct
                    int peerPort = 30_000 + i;
                    URI uri = URI.create("http://127.0.0.1:" + port + "/announce?info_hash=" + hash
                        + "&peer_id=-TT0001-" + String.format("%012d", i) + "&port=" + peerPort
                        + "&left=" + (seeder(i) ? 0 : 1_000) + (completes(i) ? "&event=completed" : "&event=started"));
                    HttpResponse<String> response = client.send(HttpRequest.newBuilder(uri).build(),
                        HttpResponse.BodyHandlers.ofString());
                    assertEquals(200, response.statusCode());
                    assertEquals(false, response.body().contains("failure reason"), response.body());
                }
            }
        };
    }

    private static ByteBuffer exchange(DatagramSocket udp, byte[] request) throws Exception {
        udp.send(new DatagramPacket(request, request.length));
        byte[] buffer = new byte[2048];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        udp.receive(packet);
        return ByteBuffer.wrap(buffer, 0, packet.getLength()).slice();
    }
}
