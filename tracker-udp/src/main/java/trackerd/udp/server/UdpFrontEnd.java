package trackerd.udp.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.socket.InternetProtocolFamily;
import io.netty.channel.socket.nio.NioChannelOption;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.util.concurrent.EventExecutor;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import trackerd.access.AccessList;
import trackerd.config.TrackerConfig;
import trackerd.metrics.MetricBank;
import trackerd.net.SocketAddresses;
import trackerd.udp.protocol.ConnectionIds;
import trackerd.swarm.SwarmEngine;

/**
 * BitTorrent over UDP. With native epoll every socket worker opens its own socket on each
 * listen address (SO_REUSEPORT), so the kernel spreads datagrams over the workers; reads use
 * recvmmsg (up to {@link #DATAGRAMS_PER_READ} datagrams into one pooled buffer) and the
 * replies of a batch leave in one flush (sendmmsg). Without epoll, one NIO socket per address.
 *
 * <p>IPv4 and IPv6 wildcards on one port ({@code 0.0.0.0:6969} and {@code [::]:6969}, the default):
 * an IPv6 socket on Linux is dual-stack unless IPV6_V6ONLY is set, so {@code [::]} also claims the
 * IPv4 port and the second bind fails with "Address already in use". Both transports set
 * SO_REUSEPORT on every socket instead, which lets the two share the port; for an IPv4 datagram
 * the kernel then prefers the IPv4 socket (an AF_INET socket scores above a dual-stack AF_INET6
 * one in the UDP lookup, and SO_REUSEPORT groups never mix families), so each family is answered
 * from its own socket whatever the bind order. Java's NIO has no IPV6_V6ONLY option at all, so
 * this is the one layout both transports can share. A second tracker cannot join the port
 * unnoticed: {@link #probe} binds each address without reuse first.
 */
public final class UdpFrontEnd implements AutoCloseable {
    /** Largest datagram read whole: a 74-hash scrape is 1,496 bytes, BEP 41 options fit too. */
    static final int MAX_DATAGRAM = 2048;
    static final int DATAGRAMS_PER_READ = 16;
    /** Linux and the BSDs; elsewhere NIO binds without it (and a dual-stack [::] serves IPv4 too). */
    private static final boolean NIO_REUSEPORT = nioSupportsReusePort();

    private final List<Channel> channels = new ArrayList<>();
    private final List<InetSocketAddress> bound = new ArrayList<>();

    private UdpFrontEnd() {}

    /**
     * Binds every configured address. Throws with a one-line reason (e.g. the address is in use)
     * after closing whatever it had bound.
     */
    public static UdpFrontEnd start(TrackerConfig config, EventLoopGroup group, SwarmEngine engine,
                                    AccessList accessList, MetricBank bank, long startNanos) throws IOException {
        UdpSettings settings = new UdpSettings(engine, accessList, new UdpMetrics.Definitions(bank),
            ConnectionIds.newKey(), startNanos, config.swarm().announceIntervalSeconds(),
            config.limits().maxScrapeHashes(), config.swarm().trustClientIp());
        boolean epoll = group instanceof EpollEventLoopGroup;
        UdpFrontEnd front = new UdpFrontEnd();
        try {
            // SO_REUSEPORT would let a second tracker share the port silently: probe it first
            for (InetSocketAddress address : config.udp().listen()) {
                if (address.getPort() != 0) probe(address);
            }
            for (InetSocketAddress address : config.udp().listen()) {
                front.bindAll(address, group, epoll, settings, config.udp());
            }
        } catch (IOException | RuntimeException e) {
            front.close();
            throw e;
        }
        return front;
    }

    private static boolean nioSupportsReusePort() {
        try (DatagramChannel channel = DatagramChannel.open()) {
            return channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
        } catch (IOException e) {
            return false;
        }
    }

    private static void probe(InetSocketAddress address) throws IOException {
        try (DatagramSocket socket = new DatagramSocket(null)) {
            socket.setReuseAddress(false);
            socket.bind(address);
        } catch (IOException e) {
            throw new IOException("cannot listen on udp " + SocketAddresses.format(address) + ": " + e.getMessage(), e);
        }
    }

    private void bindAll(InetSocketAddress address, EventLoopGroup group, boolean epoll, UdpSettings settings,
                         TrackerConfig.Udp config) throws IOException {
        InetSocketAddress target = address;
        InternetProtocolFamily family = address.getAddress() instanceof Inet4Address
            ? InternetProtocolFamily.IPv4 : InternetProtocolFamily.IPv6;
        for (EventExecutor executor : group) {
            Bootstrap bootstrap = new Bootstrap()
                .group((io.netty.channel.EventLoop) executor)
                .option(ChannelOption.SO_RCVBUF, config.receiveBufferBytes())
                .option(ChannelOption.SO_SNDBUF, config.sendBufferBytes())
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM * DATAGRAMS_PER_READ))
                .handler(new UdpTrackerHandler(settings));
            if (epoll) {
                bootstrap.channelFactory(() -> new EpollDatagramChannel(family))
                    .option(EpollChannelOption.SO_REUSEPORT, true)
                    .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_DATAGRAM);
            } else {
                bootstrap.channelFactory(() -> new NioDatagramChannel(family));
                if (NIO_REUSEPORT) bootstrap.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
            }
            Channel channel;
            try {
                channel = bootstrap.bind(target).sync().channel();
            } catch (Exception e) {
                throw new IOException("cannot listen on udp " + SocketAddresses.format(target) + ": " + e.getMessage(), e);
            }
            channels.add(channel);
            if (target.getPort() == 0) {
                // the first socket picked the port; the others join it
                target = new InetSocketAddress(address.getAddress(), ((InetSocketAddress) channel.localAddress()).getPort());
            }
            if (!epoll) break;
        }
        bound.add(target);
    }

    /** The bound addresses, one per configured address (ports resolved). */
    public List<InetSocketAddress> addresses() {
        return List.copyOf(bound);
    }

    /** Sockets open: addresses times socket workers with epoll. */
    public int sockets() {
        return channels.size();
    }

    /** Stops reading new datagrams; replies to requests in flight still go out. */
    public void stopReading() {
        for (Channel channel : channels) channel.config().setAutoRead(false);
    }

    @Override
    public void close() {
        for (Channel channel : channels) channel.close().syncUninterruptibly();
        channels.clear();
    }
}
