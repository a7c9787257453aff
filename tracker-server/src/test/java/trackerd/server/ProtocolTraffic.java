package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Real announces over every protocol the tracker serves, one driver per protocol, for the tests that
 * watch the metrics, the stats page and the Grafana panels move. Announce {@code i} goes to torrent
 * {@code i % TORRENTS} from peer port {@code 10000 + i}; every third peer is a seeder and every
 * fifth completes (BEP 3/15 {@code event=completed}), so each torrent gets seeders, leechers and a
 * completed count. {@link #all} has udp and http (the BitTorrent swarms the stats page test counts);
 * {@link #ws} drives WebTorrent, offers and answers included, for the tests that want every protocol.
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

    /**
     * WebTorrent over the HTTP port's WebSocket upgrade: one connection per peer (a connection holds
     * one peer id per torrent), each announcing with one WebRTC offer. The second peer of a torrent
     * in a call has its offer relayed to the first, which answers, and the answer is relayed back
     * (unless both are seeders: a seeder's offers go to leechers only). Every peer then stops
     * ({@code event=stopped}, answered once the swarm removed it), so the next call's swarms hold
     * only its own peers and the relays stay predictable.
     */
    static Driver ws(int httpPort) {
        HttpClient client = HttpClient.newHttpClient();
        URI uri = URI.create("ws://127.0.0.1:" + httpPort + "/announce");
        return new Driver() {
            @Override
            public String protocol() {
                return "ws";
            }

            @Override
            public void announce(int from, int count) throws Exception {
                List<WsPeer> peers = new ArrayList<>();
                try {
                    for (int i = from; i < from + count; i++) {
                        WsPeer peer = new WsPeer(client, uri, i);
                        peers.add(peer);
                        peer.send("{\"action\":\"announce\",\"info_hash\":\"" + peer.infoHash + "\",\"peer_id\":\""
                            + peer.peerId + "\",\"numwant\":1,\"uploaded\":0,\"downloaded\":0,\"left\":"
                            + (seeder(i) ? 0 : 1_000) + ",\"event\":\"" + (completes(i) ? "completed" : "started")
                            + "\",\"offers\":[{\"offer_id\":\"" + peer.offerId + "\",\"offer\":{\"type\":\"offer\","
                            + "\"sdp\":\"v=0\\r\\n\"}}]}");
                        assertAnnounceReply(peer.next());
                        if (i - from < TORRENTS) continue;
                        WsPeer first = peers.get(i - from - TORRENTS); // the same torrent's only other peer
                        boolean seeders = (seeder(i) || completes(i)) && (seeder(first.index) || completes(first.index));
                        if (seeders) continue;
                        String offer = first.next();
                        assertEquals(true, offer.contains("\"offer_id\":\"" + peer.offerId + "\""), offer);
                        first.send("{\"action\":\"announce\",\"info_hash\":\"" + peer.infoHash + "\",\"peer_id\":\""
                            + first.peerId + "\",\"to_peer_id\":\"" + peer.peerId + "\",\"offer_id\":\"" + peer.offerId
                            + "\",\"answer\":{\"type\":\"answer\",\"sdp\":\"v=0\\r\\n\"}}");
                        String answer = peer.next();
                        assertEquals(true, answer.contains("\"answer\":"), answer);
                    }
                    for (WsPeer peer : peers) {
                        peer.send("{\"action\":\"announce\",\"info_hash\":\"" + peer.infoHash + "\",\"peer_id\":\""
                            + peer.peerId + "\",\"uploaded\":0,\"downloaded\":0,\"left\":0,\"event\":\"stopped\"}");
                        assertAnnounceReply(peer.next());
                    }
                } finally {
                    for (WsPeer peer : peers) peer.close();
                }
            }
        };
    }

    private static void assertAnnounceReply(String message) {
        assertEquals(true, message.contains("\"interval\":") && !message.contains("failure reason"), message);
    }

    /** One WebSocket connection of the ws driver, its messages in a queue. */
    private static final class WsPeer implements WebSocket.Listener {
        final int index;
        /** 20-character binary strings (BEP-style bytes as JSON chars), escaped for JSON. */
        final String infoHash;
        final String peerId;
        final String offerId;
        private final BlockingQueue<String> messages = new LinkedBlockingQueue<>();
        private final StringBuilder partial = new StringBuilder();
        private final WebSocket socket;

        WsPeer(HttpClient client, URI uri, int i) throws Exception {
            index = i;
            StringBuilder hash = new StringBuilder();
            for (byte b : infoHash(i % TORRENTS)) hash.append(String.format("\\u%04x", b & 0xFF));
            infoHash = hash.toString();
            peerId = String.format("-WW0001-%012d", i);
            offerId = String.format("%020d", i);
            socket = client.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5)).buildAsync(uri, this)
                .get(10, TimeUnit.SECONDS);
        }

        void send(String json) throws Exception {
            socket.sendText(json, true).get(5, TimeUnit.SECONDS);
        }

        /** The next message, within 5 s. */
        String next() throws InterruptedException {
            String message = messages.poll(5, TimeUnit.SECONDS);
            if (message == null) throw new AssertionError("no WebSocket message within 5 s for peer " + peerId);
            return message;
        }

        @Override
        public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            partial.append(data);
            if (last) {
                messages.add(partial.toString());
                partial.setLength(0);
            }
            webSocket.request(1);
            return null;
        }

        void close() {
            socket.abort();
        }
    }

    private static ByteBuffer exchange(DatagramSocket udp, byte[] request) throws Exception {
        udp.send(new DatagramPacket(request, request.length));
        byte[] buffer = new byte[2048];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        udp.receive(packet);
        return ByteBuffer.wrap(buffer, 0, packet.getLength()).slice();
    }
}
