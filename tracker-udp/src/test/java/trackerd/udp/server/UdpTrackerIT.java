package trackerd.udp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import trackerd.config.ConfigLoader;
import trackerd.config.TrackerConfig;
import trackerd.runtime.WorkerThreadFactory;

/** The UDP front end with a real engine on ephemeral loopback ports, driven over real sockets. */
@Timeout(60)
class UdpTrackerIT {
    static final byte[] HASH_A = HexFormat.of().parseHex("0123456789abcdef0123456789abcdef01234567");
    static final byte[] HASH_B = HexFormat.of().parseHex("fedcba9876543210fedcba9876543210fedcba98");

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private EventLoopGroup group;
    private SimpleMeterRegistry registry;
    private UdpFrontEnd udp;
    /** NIO even where epoll loads: the fallback when Netty cannot load its native library. */
    private boolean nio;

    void start(String... sets) throws Exception {
        List<String> all = new ArrayList<>(List.of("udp.listen=[\"127.0.0.1:0\", \"[::1]:0\"]"));
        all.addAll(List.of(sets));
        startWith(all.toArray(new String[0]));
    }

    void startWith(String... sets) throws Exception {
        // two loops and two shards unless a test asks for its own layout (inline: one and none)
        List<String> all = new ArrayList<>(List.of("workers.socket_workers=2", "workers.swarm_workers=2"));
        all.addAll(List.of(sets));
        TrackerConfig config = ConfigLoader.load(null, all);
        WorkerThreadFactory threads = new WorkerThreadFactory("test", (t, e) -> e.printStackTrace());
        int loops = config.workers().socketWorkers();
        group = Epoll.isAvailable() && !nio ? new EpollEventLoopGroup(loops, threads) : new NioEventLoopGroup(loops, threads);
        TestTracker tracker = new TestTracker(config, group, LocalAddressSockets::upAddresses);
        toClose.add(tracker);
        registry = tracker.registry;
        udp = tracker.udp;
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) toClose.get(i).close();
        if (group != null) group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    UdpTestClient client(int address) throws Exception {
        return connected(udp.addresses().get(address));
    }

    double counter(String name, String... tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }

    @Test
    void wildcardIpv4AndIpv6OnOnePortShouldServeBothFamilies() throws Exception {
        assertWildcardLayoutServesBothFamilies("[\"0.0.0.0:%d\", \"[::]:%d\"]");
    }

    /** NIO's [::] socket is dual-stack and took the IPv4 port: the 0.0.0.0 bind failed "in use". */
    @Test
    void wildcardIpv4AndIpv6OnOnePortShouldServeBothFamiliesOnNio() throws Exception {
        nio = true;
        assertWildcardLayoutServesBothFamilies("[\"0.0.0.0:%d\", \"[::]:%d\"]");
    }

    @Test
    void wildcardIpv6BeforeIpv4ShouldServeBothFamiliesOnNio() throws Exception {
        nio = true;
        assertWildcardLayoutServesBothFamilies("[\"[::]:%d\", \"0.0.0.0:%d\"]");
    }

    private void assertWildcardLayoutServesBothFamilies(String listen) throws Exception {
        // the default layout (0.0.0.0:6969 and [::]:6969) on a port that is free right now
        int port;
        try (java.net.DatagramSocket probe = new java.net.DatagramSocket(0)) {
            port = probe.getLocalPort();
        }
        startWith("udp.listen=" + String.format(listen, port, port));
        UdpTestClient v4 = connected(new java.net.InetSocketAddress("127.0.0.1", port));
        UdpTestClient v6 = connected(new java.net.InetSocketAddress("::1", port));
        UdpTestClient v4b = connected(new java.net.InetSocketAddress("127.0.0.1", port));
        v4.announce(HASH_A, 2, 1, 7001);
        v6.announce(HASH_A, 2, 1, 7002);
        assertEquals(20 + 6, v4b.announce(HASH_A, 2, 1, 7003).remaining(), "an IPv4 peer for the IPv4 client");
        assertEquals(2.0, counter("tracker_requests", "protocol", "udp", "type", "announce", "ip_version", "4"));
        assertEquals(1.0, counter("tracker_requests", "protocol", "udp", "type", "announce", "ip_version", "6"));
    }

    UdpTestClient connected(java.net.InetSocketAddress address) throws Exception {
        UdpTestClient client = new UdpTestClient(address);
        toClose.add(client);
        client.connect();
        return client;
    }

    @Test
    void shouldBindEverySocketWorkerOnOnePort() throws Exception {
        start();
        assertEquals(Epoll.isAvailable() ? 4 : 2, udp.sockets());
        assertTrue(udp.addresses().get(0).getPort() > 0);
    }

    @Test
    void connectAnnounceScrapeShouldRoundTripOverIpv4() throws Exception {
        start();
        assertRoundTrip();
    }

    @Test
    void inlineSwarmWorkShouldAnswerTheSameOnOneSocketWorker() throws Exception {
        start("workers.socket_workers=1", "workers.swarm_workers=0");
        assertEquals(2, udp.sockets(), "one socket worker: one socket per address");
        assertRoundTrip();
    }

    private void assertRoundTrip() throws Exception {
        UdpTestClient a = client(0);
        UdpTestClient b = client(0);
        ByteBuffer first = a.announce(HASH_A, 2, 0, 6881);
        assertEquals(1, first.getInt(0));
        assertEquals(1800, first.getInt(8));
        assertEquals(0, first.getInt(12), "leechers");
        assertEquals(1, first.getInt(16), "seeders: the asker, a seeder");
        assertEquals(20, first.remaining(), "no other peer yet");
        ByteBuffer second = b.announce(HASH_A, 2, 1000, 6882);
        assertEquals(1, second.getInt(12));
        assertEquals(1, second.getInt(16));
        assertEquals("7f0000011ae1", HexFormat.of().formatHex(second.array(), second.arrayOffset() + 20,
            second.arrayOffset() + 26), "the seeder at its source address and announced port");
        ByteBuffer scrape = b.scrape(HASH_A, HASH_B);
        assertEquals(2, scrape.getInt(0));
        assertEquals(8 + 24, scrape.remaining());
        assertEquals(List.of(1, 0, 1, 0, 0, 0), List.of(scrape.getInt(8), scrape.getInt(12), scrape.getInt(16),
            scrape.getInt(20), scrape.getInt(24), scrape.getInt(28)));
        assertEquals(2.0, counter("tracker_requests", "protocol", "udp", "type", "announce", "ip_version", "4"));
    }

    @Test
    void ipv6RequestsShouldGetEighteenBytePeers() throws Exception {
        start();
        UdpTestClient a = client(1);
        UdpTestClient b = client(1);
        a.announce(HASH_A, 2, 100, 7001);
        ByteBuffer reply = b.announce(HASH_A, 2, 100, 7002);
        assertEquals(20 + 18, reply.remaining());
        assertEquals("00000000000000000000000000000001" + "1b59", HexFormat.of().formatHex(reply.array(),
            reply.arrayOffset() + 20, reply.arrayOffset() + 38));
        assertEquals(2.0, counter("tracker_responses", "protocol", "udp", "type", "announce", "ip_version", "6"));
    }

    @Test
    void forgedConnectionIdShouldGetNoAnswerAndNoSwarmWork() throws Exception {
        start();
        UdpTestClient a = client(0);
        a.send(UdpTestClient.announce(a.connectionId ^ 0x10, 77, HASH_A, 2, 0, 0, -1, 6881));
        a.send(UdpTestClient.announce(0x41727101980L, 78, HASH_A, 2, 0, 0, -1, 6881));
        int tid = a.connect(); // loopback keeps order: had the forged ones been answered, this would fail
        assertTrue(tid > 0);
        assertEquals(2.0, counter("tracker_errors", "protocol", "udp", "reason", "bad_connection_id"));
        assertEquals(0.0, counter("tracker_requests", "protocol", "udp", "type", "announce", "ip_version", "4"));
        ByteBuffer scrape = a.scrape(HASH_A);
        assertEquals(0, scrape.getInt(8) + scrape.getInt(12) + scrape.getInt(16), "the forged announce added no peer");
    }

    @Test
    void ipFieldShouldBeIgnoredUnlessTrusted() throws Exception {
        start();
        UdpTestClient a = client(0);
        UdpTestClient b = client(0);
        a.send(UdpTestClient.announce(a.connectionId, 5, HASH_A, 2, 0, 0x0A090909, -1, 6881));
        a.receive();
        ByteBuffer reply = b.announce(HASH_A, 2, 1, 6882);
        assertEquals("7f000001", HexFormat.of().formatHex(reply.array(), reply.arrayOffset() + 20,
            reply.arrayOffset() + 24));
    }

    @Test
    void forbiddenHashShouldGetAnErrorOnAnnounceAndZerosOnScrape() throws Exception {
        Path list = dir.resolve("allow.txt");
        Files.writeString(list, HexFormat.of().formatHex(HASH_B) + "\n");
        start("access_list.mode=\"allow\"", "access_list.path=\"" + list + "\"");
        UdpTestClient a = client(0);
        ByteBuffer reply = a.announce(HASH_A, 2, 0, 6881);
        assertEquals(3, reply.getInt(0));
        assertEquals("info hash not served by this tracker", text(reply));
        a.announce(HASH_B, 2, 0, 6881);
        ByteBuffer scrape = a.scrape(HASH_A, HASH_B);
        assertEquals(0, scrape.getInt(8));
        assertEquals(1, scrape.getInt(20));
        assertEquals(2.0, counter("tracker_errors", "protocol", "udp", "reason", "forbidden"));
    }

    @Test
    void limitsShouldBeAnsweredWithErrors() throws Exception {
        start("workers.swarm_workers=1", "limits.max_torrents=1", "limits.max_scrape_hashes=2");
        UdpTestClient a = client(0);
        // the engine in this test has two shards, each allowed one torrent: fill both
        a.announce(HASH_A, 2, 0, 6881);
        a.announce(HASH_B, 2, 0, 6881);
        int errors = 0;
        for (int i = 0; i < 16; i++) {
            byte[] hash = HASH_A.clone();
            hash[0] = (byte) i;
            hash[19] = (byte) (i * 7);
            ByteBuffer reply = a.announce(hash, 2, 0, 6881);
            if (reply.getInt(0) == 3) {
                assertEquals("tracker is full: too many torrents", text(reply));
                errors++;
            }
        }
        assertTrue(errors > 0);
        ByteBuffer tooMany = a.scrape(HASH_A, HASH_B, HASH_A);
        assertEquals(3, tooMany.getInt(0));
        assertEquals("too many info hashes in one scrape", text(tooMany));
    }

    @Test
    void badRequestsWithAValidIdShouldGetErrors() throws Exception {
        start();
        UdpTestClient a = client(0);
        a.send(ByteBuffer.allocate(16).putLong(a.connectionId).putInt(9).putInt(1));
        assertEquals("unknown action", text(a.receive()));
        a.send(ByteBuffer.allocate(16 + 19).putLong(a.connectionId).putInt(2).putInt(2));
        assertEquals("scrape request must hold one or more 20-byte info hashes", text(a.receive()));
        a.send(ByteBuffer.allocate(97).putLong(a.connectionId).putInt(1).putInt(3));
        assertEquals("announce request too short (98 bytes needed)", text(a.receive()));
        a.send(UdpTestClient.announce(a.connectionId, 4, HASH_A, 2, 0, 0, -1, 0));
        assertEquals("invalid port 0", text(a.receive()));
    }

    @Test
    void everyActionAtEveryLengthShouldNeverBreakTheServer() throws Exception {
        start();
        UdpTestClient a = client(0);
        a.socket.setSoTimeout(1); // replies are drained as they come; late ones wait in the socket
        Random random = new Random(1);
        int sent = 0;
        for (int action = 0; action <= 4; action++) {
            for (int length = 0; length <= 200; length++) {
                byte[] bytes = new byte[length];
                random.nextBytes(bytes);
                ByteBuffer packet = ByteBuffer.wrap(bytes);
                if (length >= 16) {
                    packet.putLong(0, action == 0 ? 0x41727101980L : a.connectionId).putInt(8, action).putInt(12, length);
                }
                packet.position(length);
                a.send(packet);
                sent++;
                while (a.receiveOrNull() != null) {
                    // drop replies: only the server's survival and its counters matter here
                }
            }
        }
        a.socket.setSoTimeout(5_000);
        a.connect();
        assertEquals(0.0, counter("tracker_errors", "protocol", "udp", "reason", "internal"));
        assertEquals(5.0 * 16, counter("tracker_errors", "protocol", "udp", "reason", "too_short"));
        double requests = 0;
        for (String type : List.of("connect", "announce", "scrape")) {
            requests += counter("tracker_requests", "protocol", "udp", "type", type, "ip_version", "4");
        }
        double errors = registry.find("tracker_errors").tag("protocol", "udp").functionCounters().stream()
            .mapToDouble(c -> c.count()).sum();
        assertTrue(requests + errors >= sent, "every packet counted: " + requests + " + " + errors);
    }

    static String text(ByteBuffer reply) {
        assertEquals(3, reply.getInt(0), "an error reply");
        return new String(reply.array(), reply.arrayOffset() + 8, reply.remaining() - 8, StandardCharsets.UTF_8);
    }

    @Test
    void noReplyShouldBeSentToPacketsTooShortToHoldATransactionId() throws Exception {
        start();
        UdpTestClient a = client(0);
        a.socket.setSoTimeout(300);
        a.send(ByteBuffer.allocate(15));
        assertNull(a.receiveOrNull());
        assertEquals(1.0, counter("tracker_errors", "protocol", "udp", "reason", "too_short"));
    }
}
