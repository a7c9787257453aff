package trackerd.udp.server;

import io.netty.channel.Channel;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.net.SocketAddresses;

/**
 * Makes UDP replies leave from the address their request was sent to when the tracker listens on
 * a wildcard address ({@code 0.0.0.0:6969}, {@code [::]:6969}) of a host with several addresses.
 *
 * <p><b>The fault.</b> A wildcard socket sends without a source address, so the kernel picks one
 * by route for the client's address, which need not be the address the client sent to.
 * libtorrent, aria2 and Transmission match a reply to the address they asked and drop any other:
 * their announces time out.
 *
 * <p><b>Why not IP_PKTINFO.</b> The usual fix reads each datagram's destination from an
 * {@code IP_PKTINFO} / {@code IPV6_RECVPKTINFO} control message and passes it back as the reply's
 * source. Netty 4.1.115 cannot: its epoll {@code sendmsg}/{@code sendmmsg} put only
 * {@code UDP_SEGMENT} into the control message and ignore a {@code DatagramPacket}'s sender
 * ({@code netty_epoll_native.c}, checked on a namespace with two addresses: the reply still left
 * from the kernel's choice); {@code IP_RECVORIGDSTADDR} fills {@code recipient()} for IPv4 only
 * and only on the one-datagram {@code recvmsg} path (its {@code recvmmsg} passes no control
 * buffer, so with batched reads {@code recipient()} is the bound wildcard); the JDK's NIO
 * channel offers neither.
 *
 * <p><b>What this does instead.</b> Beside each wildcard socket it binds one socket per local
 * address on the same port: with epoll one per socket worker with {@code SO_REUSEPORT}, like the
 * wildcard ones; with NIO one per address with {@code SO_REUSEADDR}. Linux delivers a datagram to
 * the socket bound to exactly its destination in preference to the wildcard one, a socket bound
 * to an address sends from it, and the handler answers on the socket a request came in on. So the
 * hot path is untouched: no control message to parse, no address per reply, no allocation or
 * system call added. A wildcard IPv6 socket is dual-stack (both Netty and the JDK clear
 * {@code IPV6_V6ONLY}), so {@code [::]:P} covers the IPv4 addresses too. IPv6 link-local
 * addresses are left to the wildcard (they need a scope per interface and no tracker URL names
 * one), as are destinations that are no interface address (AnyIP {@code ip route add local},
 * {@code 127.0.0.2}): those get the kernel's source, as before.
 *
 * <p><b>Addresses come and go</b> (DHCP, SLAAC, failover IPs): {@link #scan} runs at start and
 * every {@link #RESCAN_SECONDS} on thread {@code udp-addresses}, binds sockets for new addresses
 * and closes those of addresses gone. Until the next scan a new address is served by the
 * wildcard socket (the old behaviour). {@code IP_FREEBIND} (epoll) lets a socket bind an IPv6
 * address still in duplicate address detection. A failed bind is logged once and retried at each
 * scan.
 *
 * <p><b>Cost.</b> Sockets: local addresses times wildcard ports times socket workers, each a file
 * descriptor and an epoll registration, nothing per request. A scan lists the interfaces off
 * the event loops: measured 85 us with 5 addresses, 410 us with 102 (JDK 17, this VM).
 *
 * <p>Threads: every method is synchronized; the scanner thread and the daemon's start and stop
 * call them. The sockets' handlers run on their event loops as any other.
 */
final class LocalAddressSockets implements AutoCloseable {
    static final int RESCAN_SECONDS = 5;
    private static final Logger LOG = LoggerFactory.getLogger(LocalAddressSockets.class);

    /** Lists the host's addresses; may fail (then the scan keeps what it has). */
    @FunctionalInterface
    interface AddressSource {
        Collection<InetAddress> addresses() throws IOException;
    }

    /** Binds the sockets for one address and port; throws with the reason after closing what it opened. */
    @FunctionalInterface
    interface Binder {
        List<Channel> bind(InetSocketAddress address) throws IOException;
    }

    /** A wildcard listen address and whether it also takes IPv4 (a dual-stack IPv6 socket). */
    record Wildcard(int port, boolean ipv4, boolean ipv6) {}

    private final List<Wildcard> wildcards;
    /** Addresses the config lists itself: already bound, never bound again here. */
    private final Set<InetSocketAddress> configured;
    private final AddressSource source;
    private final Binder binder;
    private final Map<InetSocketAddress, List<Channel>> bound = new LinkedHashMap<>();
    /** Binds that failed, logged once; forgotten when the address goes away. */
    private final Set<InetSocketAddress> failed = new HashSet<>();
    private ScheduledExecutorService scanner;
    private boolean reading = true;
    private boolean closed;

    LocalAddressSockets(List<Wildcard> wildcards, Collection<InetSocketAddress> configured, AddressSource source,
                        Binder binder) {
        this.wildcards = List.copyOf(wildcards);
        this.configured = Set.copyOf(configured);
        this.source = source;
        this.binder = binder;
    }

    /** The interface addresses of interfaces that are up, minus IPv6 link-local ones. */
    static Collection<InetAddress> upAddresses() throws IOException {
        Set<InetAddress> out = new LinkedHashSet<>();
        Enumeration<NetworkInterface> interfaces = NetworkInterface.getNetworkInterfaces();
        while (interfaces != null && interfaces.hasMoreElements()) {
            NetworkInterface nic = interfaces.nextElement();
            if (!nic.isUp()) continue;
            Enumeration<InetAddress> addresses = nic.getInetAddresses();
            while (addresses.hasMoreElements()) {
                InetAddress address = addresses.nextElement();
                if (address.isAnyLocalAddress() || address.isMulticastAddress()) continue;
                if (address instanceof Inet6Address && address.isLinkLocalAddress()) continue;
                out.add(address);
            }
        }
        return out;
    }

    /** Scans now, then every {@link #RESCAN_SECONDS} on a daemon thread {@code udp-addresses}. */
    synchronized void start() {
        scan();
        scanner = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "udp-addresses");
            thread.setDaemon(true);
            return thread;
        });
        scanner.scheduleWithFixedDelay(this::scanQuietly, RESCAN_SECONDS, RESCAN_SECONDS, TimeUnit.SECONDS);
    }

    private void scanQuietly() {
        try {
            scan();
        } catch (RuntimeException e) {
            // a periodic task that throws is never run again: keep scanning
            LOG.warn("udp address scan failed: {}", e.toString());
        }
    }

    /** Binds sockets for addresses new since the last scan and closes those of addresses gone. */
    synchronized void scan() {
        if (closed || !reading) return;
        Collection<InetAddress> addresses;
        try {
            addresses = source.addresses();
        } catch (IOException e) {
            LOG.warn("cannot list local addresses (udp sockets unchanged): {}", e.toString());
            return;
        }
        Set<InetSocketAddress> wanted = wanted(addresses);
        List<InetSocketAddress> added = new ArrayList<>();
        List<InetSocketAddress> removed = new ArrayList<>();
        for (var it = bound.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (wanted.contains(entry.getKey())) continue;
            for (Channel channel : entry.getValue()) closeNow(channel);
            it.remove();
            removed.add(entry.getKey());
        }
        failed.retainAll(wanted);
        for (InetSocketAddress address : wanted) {
            if (bound.containsKey(address)) continue;
            try {
                bound.put(address, binder.bind(address));
                failed.remove(address);
                added.add(address);
            } catch (IOException e) {
                if (failed.add(address)) {
                    LOG.warn("udp {}: {} (replies to it leave from the kernel's choice of source; retried every {} s)",
                        SocketAddresses.format(address), e.getMessage(), RESCAN_SECONDS);
                }
            }
        }
        // one line per scan that changed something, never one per request
        if (!added.isEmpty()) LOG.info("udp sockets of their own (replies leave from the address asked): {}", list(added));
        if (!removed.isEmpty()) LOG.info("udp sockets closed, their addresses are gone: {}", list(removed));
    }

    /**
     * Closes a socket and waits for it. With epoll the descriptor is closed when this returns; with
     * NIO the JDK closes it when the selector next processes the cancelled key (the loop's next
     * select, moments later). Nothing is sent to an address that is gone, so that lag is harmless.
     */
    private static void closeNow(Channel channel) {
        channel.close().syncUninterruptibly();
    }

    private Set<InetSocketAddress> wanted(Collection<InetAddress> addresses) {
        Set<InetSocketAddress> wanted = new LinkedHashSet<>();
        for (Wildcard wildcard : wildcards) {
            for (InetAddress address : addresses) {
                boolean v4 = address instanceof Inet4Address;
                if (v4 ? !wildcard.ipv4() : !wildcard.ipv6()) continue;
                InetSocketAddress target = new InetSocketAddress(address, wildcard.port());
                if (!configured.contains(target)) wanted.add(target);
            }
        }
        return wanted;
    }

    private static String list(List<InetSocketAddress> addresses) {
        StringJoiner out = new StringJoiner(", ");
        for (InetSocketAddress address : addresses) out.add(SocketAddresses.format(address));
        return out.toString();
    }

    /** The addresses with sockets of their own now. */
    synchronized Set<InetSocketAddress> addresses() {
        return Set.copyOf(bound.keySet());
    }

    /** Sockets open now: addresses times socket workers with epoll. */
    synchronized int sockets() {
        int n = 0;
        for (List<Channel> channels : bound.values()) n += channels.size();
        return n;
    }

    /** Stops scanning and reading: replies in flight still leave. */
    synchronized void stopReading() {
        reading = false;
        stopScanner();
        for (List<Channel> channels : bound.values()) {
            for (Channel channel : channels) channel.config().setAutoRead(false);
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        stopScanner();
        for (List<Channel> channels : bound.values()) {
            for (Channel channel : channels) channel.close().syncUninterruptibly();
        }
        bound.clear();
    }

    private void stopScanner() {
        // a scan in progress holds this object's lock, so none runs past this point
        if (scanner != null) scanner.shutdownNow();
    }
}
