package trackerd.udp.server;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
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
import java.util.Set;
import trackerd.access.AccessList;
import trackerd.config.TrackerConfig;
import trackerd.loop.LoopContexts;
import trackerd.metrics.MetricBank;
import trackerd.net.SocketAddresses;
import trackerd.udp.protocol.ConnectionIds;

/**
 * BitTorrent over UDP. With native epoll every socket worker opens its own socket on each
 * listen address (SO_REUSEPORT), so the kernel spreads datagrams over the workers; reads use
 * recvmmsg (up to {@link #DATAGRAMS_PER_READ} datagrams into one pooled buffer) and the
 * replies of a batch leave in one flush (sendmmsg). Without epoll, one NIO socket per address.
 * Beside a wildcard listen address, {@link LocalAddressSockets} keeps one more socket (per
 * worker with epoll) on each local address, so a reply leaves from the address its request was
 * sent to.
 *
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
    /** Null unless a listen address is a wildcard. */
    private LocalAddressSockets localSockets;

    private UdpFrontEnd() {}

    /**
     * Binds every configured address and, beside each wildcard one, one socket per local address
     * (see {@link LocalAddressSockets}), rescanned every few seconds. Throws with a one-line reason
     * (e.g. the address is in use) after closing whatever it had bound.
     */
    public static UdpFrontEnd start(TrackerConfig config, EventLoopGroup group, LoopContexts contexts,
                                    AccessList accessList, MetricBank bank) throws IOException {
        return start(config, group, contexts, accessList, bank, ConnectionIds.newKey());
    }

    /**
     * As above, with a given connection-id key ({@link ConnectionIds}: two longs), e.g. the one
     * kept in the state directory so that ids survive a restart.
     */
    public static UdpFrontEnd start(TrackerConfig config, EventLoopGroup group, LoopContexts contexts,
                                    AccessList accessList, MetricBank bank, long[] connectionIdKey) throws IOException {
        return start(config, group, contexts, accessList, bank, LocalAddressSockets::upAddresses, connectionIdKey);
    }

    /** As the public {@code start}, with the host's addresses listed by {@code localAddresses}. */
    static UdpFrontEnd start(TrackerConfig config, EventLoopGroup group, LoopContexts contexts, AccessList accessList,
                             MetricBank bank, LocalAddressSockets.AddressSource localAddresses) throws IOException {
        return start(config, group, contexts, accessList, bank, localAddresses, ConnectionIds.newKey());
    }

    private static UdpFrontEnd start(TrackerConfig config, EventLoopGroup group, LoopContexts contexts,
                                     AccessList accessList, MetricBank bank,
                                     LocalAddressSockets.AddressSource localAddresses, long[] connectionIdKey)
            throws IOException {
        UdpSettings settings = new UdpSettings(config.swarm(), config.limits(), accessList, contexts,
            new UdpMetrics.Definitions(bank), connectionIdKey);
        boolean epoll = group instanceof EpollEventLoopGroup;
        UdpFrontEnd front = new UdpFrontEnd();
        try {
            // SO_REUSEPORT would let a second tracker share the port silently: probe it first
            for (InetSocketAddress address : config.udp().listen()) {
                if (address.getPort() != 0) probe(address);
            }
            for (InetSocketAddress address : config.udp().listen()) {
                List<Channel> opened = bindAll(address, group, epoll, false, config.udp(),
                    loop -> new UdpTrackerHandler(settings));
                front.channels.addAll(opened);
                int port = ((InetSocketAddress) opened.get(0).localAddress()).getPort();
                front.bound.add(new InetSocketAddress(address.getAddress(), port));
            }
            front.startLocalAddressSockets(group, epoll, settings, config.udp(), localAddresses);
        } catch (IOException | RuntimeException e) {
            front.close();
            throw e;
        }
        return front;
    }

    private void startLocalAddressSockets(EventLoopGroup group, boolean epoll, UdpSettings settings,
                                          TrackerConfig.Udp config, LocalAddressSockets.AddressSource source) {
        List<LocalAddressSockets.Wildcard> wildcards = new ArrayList<>();
        for (InetSocketAddress address : bound) {
            if (!address.getAddress().isAnyLocalAddress()) continue;
            boolean v6 = !(address.getAddress() instanceof Inet4Address);
            // an IPv6 wildcard socket is dual-stack: it takes IPv4 datagrams too
            wildcards.add(new LocalAddressSockets.Wildcard(address.getPort(), true, v6));
        }
        if (wildcards.isEmpty()) return;
        // the per-address sockets of one event loop count into its loop context's writer
        localSockets = new LocalAddressSockets(wildcards, bound, source, address -> bindAll(address, group, epoll,
            true, config, loop -> new UdpTrackerHandler(settings)));
        localSockets.start();
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

    /** Makes the handler of a socket on the given event loop. */
    private interface HandlerFactory {
        UdpTrackerHandler create(EventLoop loop);
    }

    /**
     * Binds one socket per event loop with epoll (SO_REUSEPORT), one socket with NIO; closes what
     * it opened if one fails. {@code specific}: a per-address socket beside a wildcard one.
     */
    private static List<Channel> bindAll(InetSocketAddress address, EventLoopGroup group, boolean epoll,
                                         boolean specific, TrackerConfig.Udp config, HandlerFactory handlers)
            throws IOException {
        List<Channel> opened = new ArrayList<>();
        InetSocketAddress target = address;
        InternetProtocolFamily family = address.getAddress() instanceof Inet4Address
            ? InternetProtocolFamily.IPv4 : InternetProtocolFamily.IPv6;
        try {
            for (EventExecutor executor : epoll ? group : List.of(group.next())) {
                EventLoop loop = (EventLoop) executor;
                Bootstrap bootstrap = new Bootstrap()
                    .group(loop)
                    .option(ChannelOption.SO_RCVBUF, config.receiveBufferBytes())
                    .option(ChannelOption.SO_SNDBUF, config.sendBufferBytes())
                    .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM * DATAGRAMS_PER_READ))
                    .handler(handlers.create(loop));
                if (epoll) {
                    bootstrap.channelFactory(() -> new EpollDatagramChannel(family))
                        .option(EpollChannelOption.SO_REUSEPORT, true)
                        .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_DATAGRAM);
                    // an IPv6 address in duplicate address detection cannot be bound otherwise
                    if (specific) bootstrap.option(EpollChannelOption.IP_FREEBIND, true);
                } else {
                    // wildcards of both families and per-address sockets share the port (the probe
                    // found it free first): see the class comment
                    bootstrap.channelFactory(() -> new NioDatagramChannel(family))
                        .option(ChannelOption.SO_REUSEADDR, true);
                    if (NIO_REUSEPORT) bootstrap.option(NioChannelOption.of(StandardSocketOptions.SO_REUSEPORT), true);
                }
                Channel channel;
                try {
                    channel = bootstrap.bind(target).sync().channel();
                } catch (Exception e) {
                    throw new IOException("cannot listen on udp " + SocketAddresses.format(target) + ": " + e.getMessage(), e);
                }
                opened.add(channel);
                if (target.getPort() == 0) {
                    // the first socket picked the port; the others join it
                    target = new InetSocketAddress(address.getAddress(), ((InetSocketAddress) channel.localAddress()).getPort());
                }
            }
        } catch (IOException | RuntimeException e) {
            for (Channel channel : opened) channel.close();
            throw e;
        }
        return opened;
    }

    /** The bound addresses, one per configured address (ports resolved). */
    public List<InetSocketAddress> addresses() {
        return List.copyOf(bound);
    }

    /** Sockets open on the configured addresses: addresses times socket workers with epoll. */
    public int sockets() {
        return channels.size();
    }

    /** Sockets open now on single local addresses beside wildcard ones (see {@link LocalAddressSockets}). */
    public int localAddressSockets() {
        return localSockets == null ? 0 : localSockets.sockets();
    }

    /** The local addresses (with ports) that have sockets of their own now, beside wildcard ones. */
    public Set<InetSocketAddress> localAddresses() {
        return localSockets == null ? Set.of() : localSockets.addresses();
    }

    /** Looks for local addresses new or gone now rather than at the next periodic scan. */
    void rescan() {
        if (localSockets != null) localSockets.scan();
    }

    /** Stops reading new datagrams and looking for new addresses; replies to requests in flight still go out. */
    public void stopReading() {
        if (localSockets != null) localSockets.stopReading();
        for (Channel channel : channels) channel.config().setAutoRead(false);
    }

    @Override
    public void close() {
        if (localSockets != null) localSockets.close();
        for (Channel channel : channels) channel.close().syncUninterruptibly();
        channels.clear();
    }
}
