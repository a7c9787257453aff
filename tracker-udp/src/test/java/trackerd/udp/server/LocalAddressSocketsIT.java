package trackerd.udp.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import trackerd.config.ConfigLoader;
import trackerd.config.TrackerConfig;
import trackerd.runtime.WorkerThreadFactory;

/**
 * Replies leave from the address the request was sent to, with wildcard listen addresses
 * (issue 10). Loopback stands in for a host with several addresses: 127.0.0.2 is local on Linux
 * without being an interface address, so the test lists the host's addresses itself and needs no
 * root. Without a socket of its own, a request to 127.0.0.2 from 127.0.0.1 is answered by the
 * wildcard socket from the kernel's choice of source, 127.0.0.1. The namespace test in
 * tracker-server (UdpReplySourceIT) does the same with real interface addresses, IPv4 and IPv6.
 */
@Timeout(60)
class LocalAddressSocketsIT {
    static final InetAddress LOCAL_1 = address("127.0.0.1");
    static final InetAddress LOCAL_2 = address("127.0.0.2");
    static final InetAddress LOCAL_6 = address("::1");

    /** What the front end believes the host's addresses are; tests change it between scans. */
    private final Set<InetAddress> hostAddresses = new CopyOnWriteArraySet<>();
    private final List<AutoCloseable> toClose = new ArrayList<>();
    private EventLoopGroup group;
    private UdpFrontEnd udp;
    private int port;

    private static InetAddress address(String literal) {
        try {
            return InetAddress.getByName(literal);
        } catch (java.net.UnknownHostException e) {
            throw new AssertionError(e);
        }
    }

    /** The default layout, 0.0.0.0:P and [::]:P, on a port free right now; two socket workers. */
    void start(boolean epoll) throws Exception {
        assumeTrue(!epoll || Epoll.isAvailable(), "native epoll is not available here");
        try (DatagramSocket probe = new DatagramSocket(0)) {
            port = probe.getLocalPort();
        }
        TrackerConfig config = ConfigLoader.load(null,
            List.of("udp.listen=[\"0.0.0.0:" + port + "\", \"[::]:" + port + "\"]"));
        WorkerThreadFactory threads = new WorkerThreadFactory("test", (t, e) -> e.printStackTrace());
        group = epoll ? new EpollEventLoopGroup(2, threads) : new NioEventLoopGroup(2, threads);
        TestTracker tracker = new TestTracker(config, group, () -> hostAddresses);
        toClose.add(tracker);
        udp = tracker.udp;
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) toClose.get(i).close();
        if (group != null) group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }

    @ParameterizedTest(name = "epoll={0}")
    @ValueSource(booleans = {true, false})
    void shouldReplyFromTheAddressEachRequestWasSentTo(boolean epoll) throws Exception {
        hostAddresses.addAll(List.of(LOCAL_1, LOCAL_2, LOCAL_6));
        start(epoll);
        assertEquals(Set.of(new InetSocketAddress(LOCAL_1, port), new InetSocketAddress(LOCAL_2, port),
            new InetSocketAddress(LOCAL_6, port)), udp.localAddresses(), "IPv4 ones once for both wildcards");
        assertEquals(3 * (epoll ? 2 : 1), udp.localAddressSockets(), "per socket worker with epoll");
        assertEquals(LOCAL_2, connectReplySource(LOCAL_1, LOCAL_2));
        assertEquals(LOCAL_1, connectReplySource(LOCAL_2, LOCAL_1));
        assertEquals(LOCAL_6, connectReplySource(LOCAL_6, LOCAL_6));
        assertEquals(LOCAL_2, announceReplySource(LOCAL_1, LOCAL_2), "a swarm answer leaves from it too");
    }

    @ParameterizedTest(name = "epoll={0}")
    @ValueSource(booleans = {true, false})
    void shouldBindAddressesThatAppearAndCloseThoseThatGo(boolean epoll) throws Exception {
        hostAddresses.add(LOCAL_1);
        start(epoll);
        assertEquals(LOCAL_1, connectReplySource(LOCAL_1, LOCAL_2),
            "not a host address yet: the wildcard socket answers from the kernel's choice");

        hostAddresses.add(LOCAL_2);
        udp.rescan();
        assertEquals(2 * (epoll ? 2 : 1), udp.localAddressSockets());
        assertEquals(LOCAL_2, connectReplySource(LOCAL_1, LOCAL_2));

        hostAddresses.remove(LOCAL_2);
        udp.rescan();
        assertEquals(Set.of(new InetSocketAddress(LOCAL_1, port)), udp.localAddresses());
        assertEquals(LOCAL_1, connectReplySourceOnceClosed(LOCAL_1, LOCAL_2), "gone: the wildcard answers again");
    }

    /**
     * As {@link #connectReplySource}, asking again while no reply comes: with NIO a closed socket's
     * descriptor goes only at its loop's next select, and a datagram that reached it meanwhile is lost.
     */
    private InetAddress connectReplySourceOnceClosed(InetAddress from, InetAddress to) throws Exception {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(from, 0))) {
            socket.setSoTimeout(200);
            for (int attempt = 0; attempt < 25; attempt++) {
                try {
                    return exchange(socket, to, connect(10 + attempt)).getAddress();
                } catch (java.net.SocketTimeoutException e) {
                    // the closing socket took it: ask again
                }
            }
            throw new AssertionError("no connect reply in 25 attempts");
        }
    }

    /** Sends a BEP 15 connect from {@code from} to {@code to}:port; returns the reply's source address. */
    private InetAddress connectReplySource(InetAddress from, InetAddress to) throws Exception {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(from, 0))) {
            socket.setSoTimeout(5_000);
            DatagramPacket reply = exchange(socket, to, connect(7));
            assertEquals(16, reply.getLength(), "a connect reply");
            return reply.getAddress();
        }
    }

    private InetAddress announceReplySource(InetAddress from, InetAddress to) throws Exception {
        try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(from, 0))) {
            socket.setSoTimeout(5_000);
            long connectionId = ByteBuffer.wrap(exchange(socket, to, connect(8)).getData()).getLong(8);
            DatagramPacket reply = exchange(socket, to, UdpTestClient.announce(connectionId, 9,
                UdpTrackerIT.HASH_A, 2, 0, 0, -1, 6881));
            assertEquals(1, ByteBuffer.wrap(reply.getData()).getInt(0), "action: announce");
            return reply.getAddress();
        }
    }

    private static ByteBuffer connect(int transactionId) {
        return ByteBuffer.allocate(16).putLong(0x41727101980L).putInt(0).putInt(transactionId);
    }

    private DatagramPacket exchange(DatagramSocket socket, InetAddress to, ByteBuffer request) throws Exception {
        socket.send(new DatagramPacket(request.array(), request.position(), new InetSocketAddress(to, port)));
        DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
        socket.receive(reply);
        assertEquals(port, reply.getPort(), "from the tracker's port");
        return reply;
    }
}
