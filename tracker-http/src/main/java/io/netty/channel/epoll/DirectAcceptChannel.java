package io.netty.channel.epoll;

import io.netty.channel.Channel;
import io.netty.channel.ChannelConfig;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.Socket;
import io.netty.util.internal.PlatformDependent;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * trackerd's listening TCP socket for plain HTTP: an epoll server channel that hands each accepted
 * descriptor, raw, to an {@link Acceptor} instead of wrapping it in a child channel and firing it
 * through a pipeline. The acceptor may answer a request on the descriptor itself ({@link #recv},
 * {@link #send}, {@link #close}) or make it a normal {@link EpollSocketChannel} ({@link #socketChannel}).
 * Everything trackerd decides lives in {@code trackerd.http.server.HttpDirectAccept}; this class is
 * only the glue Netty does not offer publicly.
 *
 * <p><b>A split package, pinned to one Netty version.</b> This class sits in Netty's package
 * {@code io.netty.channel.epoll} because what it needs is package-private there in Netty 4.1.115
 * (the version in the root pom): the server channel's unsafe and its read loop, the
 * {@code EpollServerChannelConfig} constructor, {@code LinuxSocket}, the child channel's constructor
 * that takes the accepted address. It also calls three private static natives of
 * {@code io.netty.channel.unix} ({@code Socket.recvAddress}, {@code Socket.sendAddress},
 * {@code FileDescriptor.close}, through method handles) so that a descriptor answered directly needs
 * no {@code Socket} object, whose constructor costs a {@code getsockname(2)}. Any Netty upgrade must
 * re-check this class against Netty's {@code AbstractEpollServerChannel} and
 * {@code EpollServerSocketChannel}; {@code DirectAcceptChannelTest} fails when the Netty version
 * differs from the one this was written for, or when a handle no longer resolves. When a handle does
 * not resolve at run time {@link #isAvailable} is false and trackerd uses Netty's own server channel.
 *
 * <p>Options: SO_REUSEADDR, SO_REUSEPORT and {@code TCP_DEFER_ACCEPT} are set by {@link #doBind};
 * the backlog comes from {@code config().setBacklog}. Only on its event loop, like any channel.
 */
public final class DirectAcceptChannel extends AbstractEpollServerChannel {
    /** The Netty version this class was written against (the root pom's netty.version). */
    public static final String NETTY_VERSION = "4.1.115.Final";

    private static final MethodHandle RECV_ADDRESS;
    private static final MethodHandle SEND_ADDRESS;
    private static final MethodHandle CLOSE;
    private static final Throwable UNAVAILABLE_CAUSE;

    static {
        MethodHandle recv = null;
        MethodHandle send = null;
        MethodHandle close = null;
        Throwable cause = null;
        try {
            MethodType io = MethodType.methodType(int.class, int.class, long.class, int.class, int.class);
            MethodHandles.Lookup socket = MethodHandles.privateLookupIn(Socket.class, MethodHandles.lookup());
            recv = socket.findStatic(Socket.class, "recvAddress", io);
            send = socket.findStatic(Socket.class, "sendAddress", io);
            close = MethodHandles.privateLookupIn(FileDescriptor.class, MethodHandles.lookup())
                .findStatic(FileDescriptor.class, "close", MethodType.methodType(int.class, int.class));
            if (!PlatformDependent.hasUnsafe()) throw new IllegalStateException("no direct buffer addresses");
        } catch (Throwable t) {
            cause = t;
        }
        RECV_ADDRESS = recv;
        SEND_ADDRESS = send;
        CLOSE = close;
        UNAVAILABLE_CAUSE = cause;
    }

    /**
     * Who takes the accepted descriptors; called on the channel's event loop only.
     */
    public interface Acceptor {
        /**
         * One accepted, non-blocking descriptor, now the acceptor's to answer or wrap and to close.
         *
         * @param remote Netty's accept(2) address bytes, valid during the call only: at
         *     {@code [offset, offset + length)} 4 address bytes then a 4-byte port (IPv4, length 8),
         *     or 16 address bytes, a 4-byte scope id and a 4-byte port (IPv6, length 24); big-endian
         */
        void accepted(DirectAcceptChannel server, int fd, byte[] remote, int offset, int length);

        /** After a batch of accepts (one epoll wake-up). */
        void acceptBatchEnd();

        /** accept(2) itself failed (out of descriptors, most likely). */
        void acceptFailed(DirectAcceptChannel server, Throwable cause);
    }

    private final EpollServerChannelConfig config;
    private final Acceptor acceptor;
    private final int deferAcceptSeconds;

    /**
     * @param ipv6 an AF_INET6 socket (dual-stack unless bound to an IPv6 address), else AF_INET
     * @param deferAcceptSeconds TCP_DEFER_ACCEPT: a connection is accepted once its first bytes
     *     arrived, or after about this long without them
     */
    public DirectAcceptChannel(boolean ipv6, Acceptor acceptor, int deferAcceptSeconds) {
        super(LinuxSocket.newSocketStream(ipv6), false);
        this.config = new EpollServerChannelConfig(this);
        this.acceptor = acceptor;
        this.deferAcceptSeconds = deferAcceptSeconds;
    }

    /** Whether this Netty has what the class needs (else: use {@code EpollServerSocketChannel}). */
    public static boolean isAvailable() {
        return UNAVAILABLE_CAUSE == null && Epoll.isAvailable();
    }

    /** Why {@link #isAvailable} is false, or null. */
    public static Throwable unavailabilityCause() {
        return UNAVAILABLE_CAUSE != null ? UNAVAILABLE_CAUSE : Epoll.unavailabilityCause();
    }

    @Override
    public EpollServerChannelConfig config() {
        return config;
    }

    @Override
    protected void doBind(SocketAddress localAddress) throws Exception {
        socket.setReuseAddress(true);
        socket.setReusePort(true);
        super.doBind(localAddress);
        if (deferAcceptSeconds > 0) socket.setTcpDeferAccept(deferAcceptSeconds);
        socket.listen(config.getBacklog());
        active = true;
    }

    @Override
    public InetSocketAddress localAddress() {
        return (InetSocketAddress) super.localAddress();
    }

    @Override
    protected Channel newChildChannel(int fd, byte[] remote, int offset, int length) {
        throw new UnsupportedOperationException("accepted descriptors go to the Acceptor");
    }

    @Override
    protected AbstractEpollUnsafe newUnsafe() {
        return new DirectAcceptUnsafe();
    }

    /**
     * Netty's accept loop ({@code AbstractEpollServerChannel.EpollServerSocketUnsafe.epollInReady}
     * in 4.1.115) with the descriptor handed to the acceptor instead of a child channel fired
     * through the pipeline.
     */
    private final class DirectAcceptUnsafe extends AbstractEpollUnsafe {
        /** accept(2)'s address: a length byte, then at most 24 bytes. */
        private final byte[] acceptedAddress = new byte[26];

        @Override
        void epollInReady() {
            ChannelConfig channelConfig = config();
            if (shouldBreakEpollInReady(channelConfig)) {
                clearEpollIn0();
                return;
            }
            EpollRecvByteAllocatorHandle allocHandle = recvBufAllocHandle();
            allocHandle.edgeTriggered(isFlagSet(Native.EPOLLET));
            allocHandle.reset(channelConfig);
            allocHandle.attemptedBytesRead(1);
            epollInBefore();
            Throwable exception = null;
            try {
                try {
                    do {
                        // lastBytesRead carries the descriptor, as in Netty's loop, so that the handle
                        // decides whether to accept again
                        allocHandle.lastBytesRead(socket.accept(acceptedAddress));
                        if (allocHandle.lastBytesRead() == -1) break;
                        allocHandle.incMessagesRead(1);
                        readPending = false;
                        acceptor.accepted(DirectAcceptChannel.this, allocHandle.lastBytesRead(), acceptedAddress, 1,
                            acceptedAddress[0]);
                    } while (allocHandle.continueReading());
                } catch (Throwable t) {
                    exception = t;
                }
                allocHandle.readComplete();
                acceptor.acceptBatchEnd();
                // as in Netty's loop: the head handler asks for the next read (auto-read), which
                // re-runs this method at once when the batch stopped with connections still queued
                // (edge-triggered epoll gives no new event for them)
                pipeline().fireChannelReadComplete();
                if (exception != null) acceptor.acceptFailed(DirectAcceptChannel.this, exception);
            } finally {
                epollInFinally(channelConfig);
            }
        }
    }

    // ---------------------------------------------------------------- raw descriptors

    /**
     * recv(2) into native memory: bytes read, 0 at end of stream, or a negative errno
     * ({@link io.netty.channel.unix.Errors#ERRNO_EAGAIN_NEGATIVE} when nothing is there yet). Never throws.
     */
    public static int recv(int fd, long address, int from, int to) {
        try {
            return (int) RECV_ADDRESS.invokeExact(fd, address, from, to);
        } catch (Throwable t) {
            throw new IllegalStateException(t); // a native method handle throws nothing
        }
    }

    /** send(2) from native memory: bytes sent, or a negative errno. Never throws. */
    public static int send(int fd, long address, int from, int to) {
        try {
            return (int) SEND_ADDRESS.invokeExact(fd, address, from, to);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /** close(2): 0, or a negative errno (the descriptor is released either way on Linux). */
    public static int close(int fd) {
        try {
            return (int) CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    /**
     * The accepted descriptor as a normal, active, unregistered socket channel (what Netty's own
     * server channel makes of it), owned from now on by that channel.
     *
     * @param parent the listening channel, or null
     */
    public static EpollSocketChannel socketChannel(Channel parent, int fd, InetSocketAddress remote) {
        return new EpollSocketChannel(parent, new LinuxSocket(fd), remote);
    }
}
