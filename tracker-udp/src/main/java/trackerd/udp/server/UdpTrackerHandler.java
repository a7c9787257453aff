package trackerd.udp.server;

import static trackerd.udp.protocol.UdpProtocol.ACTION;
import static trackerd.udp.protocol.UdpProtocol.ACTION_ANNOUNCE;
import static trackerd.udp.protocol.UdpProtocol.ACTION_CONNECT;
import static trackerd.udp.protocol.UdpProtocol.ACTION_SCRAPE;
import static trackerd.udp.protocol.UdpProtocol.CONNECTION_ID;
import static trackerd.udp.protocol.UdpProtocol.HEADER_LENGTH;
import static trackerd.udp.protocol.UdpProtocol.PROTOCOL_ID;
import static trackerd.udp.protocol.UdpProtocol.TRANSACTION_ID;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.DatagramPacket;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.handoff.ResponseHandler;
import trackerd.handoff.SwarmGateway;
import trackerd.loop.LoopContext;
import trackerd.swarm.RequestKind;
import trackerd.swarm.ScrapeBlock;
import trackerd.swarm.SwarmRequest;
import trackerd.udp.protocol.ConnectionIds;
import trackerd.udp.protocol.UdpRequestDecoder;
import trackerd.udp.protocol.UdpResponseEncoder;
import trackerd.udp.server.UdpMetrics.Reason;

/**
 * One UDP socket's requests, on its event loop. Connects are answered at once; announces and
 * scrapes with a valid connection id go to the swarm workers through the loop's gateway and are
 * answered on this socket when they come back. Bad input is counted and, where the transaction
 * id is known and the connection id is valid, answered with an error; it never throws.
 */
final class UdpTrackerHandler extends ChannelInboundHandlerAdapter implements ResponseHandler {
    private static final Logger LOG = LoggerFactory.getLogger(UdpTrackerHandler.class);
    private static final VarHandle BIG_ENDIAN_LONGS =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private final UdpSettings settings;
    /** Made when the channel registers: windows count from the loop's clock's wall-clock anchor. */
    private ConnectionIds ids;
    private final int announceIntervalSeconds;
    private final int maxScrapeHashes;
    private final boolean trustClientIp;
    private UdpMetrics metrics;
    private Channel channel;
    private LoopContext context;
    private SwarmGateway gateway;
    /** By request index: where the answer goes (the swarm never sees it). */
    private InetSocketAddress[] remotes;

    UdpTrackerHandler(UdpSettings settings) {
        this.settings = settings;
        this.announceIntervalSeconds = settings.swarm().announceIntervalSeconds();
        this.maxScrapeHashes = settings.limits().maxScrapeHashes();
        this.trustClientIp = settings.swarm().trustClientIp();
    }

    @Override
    public void channelRegistered(ChannelHandlerContext ctx) throws Exception {
        channel = ctx.channel();
        context = settings.contexts().of(channel.eventLoop());
        ids = ConnectionIds.withKey(settings.connectionIdKey(), context.clock().epochSecondsAt(0));
        gateway = context.gateway();
        metrics = new UdpMetrics(settings.metrics(), context.metrics());
        remotes = new InetSocketAddress[gateway.capacity()];
        super.channelRegistered(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        DatagramPacket packet = (DatagramPacket) msg;
        try {
            onDatagram(packet.content(), packet.sender());
        } catch (RuntimeException e) {
            metrics.error(Reason.INTERNAL);
            LOG.error("UDP request failed (dropped; the socket goes on)", e);
        } finally {
            packet.release();
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        ctx.flush();
        context.endReadBatch();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        metrics.error(Reason.INTERNAL);
        LOG.warn("UDP socket error: {}", cause.toString());
    }

    private void onDatagram(ByteBuf in, InetSocketAddress sender) {
        InetAddress address = sender.getAddress();
        boolean ipv6 = !(address instanceof Inet4Address);
        int length = in.readableBytes();
        metrics.received(ipv6, length);
        if (length < HEADER_LENGTH) {
            metrics.error(Reason.TOO_SHORT);
            return;
        }
        long nowSeconds = context.nowSeconds();
        long ip0;
        long ip1;
        if (ipv6) {
            byte[] bytes = address.getAddress();
            ip0 = (long) BIG_ENDIAN_LONGS.get(bytes, 0);
            ip1 = (long) BIG_ENDIAN_LONGS.get(bytes, 8);
        } else {
            // an Inet4Address's hash code is its address, which spares a byte[] per packet
            ip0 = address.hashCode() & 0xFFFF_FFFFL;
            ip1 = 0;
        }
        int base = in.readerIndex();
        long connectionId = in.getLong(base + CONNECTION_ID);
        int action = in.getInt(base + ACTION);
        int transactionId = in.getInt(base + TRANSACTION_ID);
        if (action == ACTION_CONNECT) {
            if (connectionId != PROTOCOL_ID) {
                metrics.error(Reason.BAD_PROTOCOL_ID);
                return;
            }
            metrics.request(UdpMetrics.CONNECT, ipv6);
            reply(UdpResponseEncoder.connect(channel.alloc(), transactionId, ids.issue(nowSeconds, ip0, ip1)),
                sender, UdpMetrics.CONNECT, ipv6);
            return;
        }
        if (!ids.valid(connectionId, nowSeconds, ip0, ip1)) {
            metrics.error(Reason.BAD_CONNECTION_ID);
            return;
        }
        if (action == ACTION_ANNOUNCE) {
            onAnnounce(in, base, length, sender, ipv6, ip0, ip1, transactionId);
        } else if (action == ACTION_SCRAPE) {
            onScrape(in, base, length, sender, ipv6, transactionId);
        } else {
            error(Reason.UNKNOWN_ACTION, UdpResponseEncoder.UNKNOWN_ACTION, transactionId, sender, ipv6);
        }
    }

    private void onAnnounce(ByteBuf in, int base, int length, InetSocketAddress sender, boolean ipv6,
                            long ip0, long ip1, int transactionId) {
        SwarmRequest request = gateway.acquire();
        if (request == null) {
            metrics.error(Reason.NO_FREE_SLOT);
            return;
        }
        int status = UdpRequestDecoder.decodeAnnounce(in, base, length, request);
        if (status != UdpRequestDecoder.OK) {
            gateway.release(request);
            switch (status) {
                case UdpRequestDecoder.ANNOUNCE_TOO_SHORT -> error(Reason.ANNOUNCE_TOO_SHORT,
                    UdpResponseEncoder.ANNOUNCE_TOO_SHORT, transactionId, sender, ipv6);
                case UdpRequestDecoder.INVALID_PORT -> error(Reason.INVALID_PORT,
                    UdpResponseEncoder.INVALID_PORT, transactionId, sender, ipv6);
                default -> error(Reason.INVALID_EVENT, UdpResponseEncoder.INVALID_EVENT, transactionId, sender, ipv6);
            }
            return;
        }
        metrics.request(UdpMetrics.ANNOUNCE, ipv6);
        if (!settings.accessList().permits(request.infoHash0, request.infoHash1, request.infoHash2)) {
            gateway.release(request);
            error(Reason.FORBIDDEN, UdpResponseEncoder.FORBIDDEN, transactionId, sender, ipv6);
            return;
        }
        int ipField = UdpRequestDecoder.ipField(in, base);
        request.address0 = !ipv6 && trustClientIp && ipField != 0 ? ipField & 0xFFFF_FFFFL : ip0;
        request.address1 = ip1;
        submit(request, sender, ipv6, transactionId);
    }

    private void onScrape(ByteBuf in, int base, int length, InetSocketAddress sender, boolean ipv6, int transactionId) {
        SwarmRequest request = gateway.acquireScrape();
        if (request == null) {
            metrics.error(Reason.NO_FREE_SLOT);
            return;
        }
        int status = UdpRequestDecoder.decodeScrape(in, base, length, maxScrapeHashes, request.scrape);
        if (status != UdpRequestDecoder.OK) {
            gateway.release(request);
            if (status == UdpRequestDecoder.TOO_MANY_HASHES) {
                error(Reason.TOO_MANY_HASHES, UdpResponseEncoder.TOO_MANY_HASHES, transactionId, sender, ipv6);
            } else {
                error(Reason.BAD_SCRAPE_LENGTH, UdpResponseEncoder.BAD_SCRAPE_LENGTH, transactionId, sender, ipv6);
            }
            return;
        }
        metrics.request(UdpMetrics.SCRAPE, ipv6);
        submit(request, sender, ipv6, transactionId);
    }

    /** Hands a decoded request to the swarm; a full queue drops it (UDP has no "busy"). */
    private void submit(SwarmRequest request, InetSocketAddress sender, boolean ipv6, int transactionId) {
        request.ipv6 = ipv6;
        request.context = transactionId;
        remotes[request.index()] = sender;
        boolean queued = request.kind == RequestKind.SCRAPE
            ? gateway.submitScrape(request, this) : gateway.submitAnnounce(request, this);
        if (!queued) {
            remotes[request.index()] = null;
            gateway.release(request);
            metrics.error(Reason.QUEUE_FULL);
        }
    }

    /** A swarm answer, back on this socket's event loop. */
    @Override
    public void onResponse(SwarmRequest answered) {
        InetSocketAddress to = remotes[answered.index()];
        remotes[answered.index()] = null;
        try {
            boolean ipv6 = answered.ipv6;
            int tid = (int) answered.context;
            switch (answered.status) {
                case OK -> {
                    if (answered.kind == RequestKind.ANNOUNCE) {
                        reply(UdpResponseEncoder.announce(channel.alloc(), tid, announceIntervalSeconds,
                            answered.leechers, answered.seeders, answered.peers, answered.peerCount * (ipv6 ? 18 : 6)),
                            to, UdpMetrics.ANNOUNCE, ipv6);
                    } else {
                        zeroForbidden(answered.scrape);
                        reply(UdpResponseEncoder.scrape(channel.alloc(), tid, answered.scrape), to, UdpMetrics.SCRAPE, ipv6);
                    }
                }
                case TOO_MANY_TORRENTS -> error(Reason.TOO_MANY_TORRENTS,
                    UdpResponseEncoder.TOO_MANY_TORRENTS, tid, to, ipv6);
                case TOO_MANY_PEERS -> error(Reason.TOO_MANY_PEERS,
                    UdpResponseEncoder.TOO_MANY_PEERS, tid, to, ipv6);
                case TOO_MANY_NEW_TORRENTS -> error(Reason.TOO_MANY_NEW_TORRENTS,
                    UdpResponseEncoder.TOO_MANY_NEW_TORRENTS, tid, to, ipv6);
                case TRACKER_FULL_OF_PEERS -> error(Reason.TRACKER_FULL_OF_PEERS,
                    UdpResponseEncoder.TRACKER_FULL_OF_PEERS, tid, to, ipv6);
                case BUSY -> metrics.error(Reason.QUEUE_FULL);
                default -> error(Reason.INTERNAL, UdpResponseEncoder.INTERNAL_ERROR, tid, to, ipv6);
            }
        } finally {
            gateway.release(answered);
        }
    }

    /** Hashes the access list forbids are scraped as zeros (and counted), not refused. */
    private void zeroForbidden(ScrapeBlock block) {
        for (int i = 0, n = block.count(); i < n; i++) {
            if (!settings.accessList().permits(block.hash0(i), block.hash1(i), block.hash2(i))) {
                block.setResult(i, 0, 0, 0);
                metrics.error(Reason.FORBIDDEN);
            }
        }
    }

    @Override
    public void onBatchEnd() {
        channel.flush();
    }

    private void error(Reason reason, byte[] message, int transactionId, InetSocketAddress to, boolean ipv6) {
        metrics.error(reason);
        reply(UdpResponseEncoder.error(channel.alloc(), transactionId, message), to, UdpMetrics.ERROR, ipv6);
    }

    private void reply(ByteBuf out, InetSocketAddress to, int type, boolean ipv6) {
        metrics.response(type, ipv6, out.readableBytes());
        channel.write(new DatagramPacket(out, to), channel.voidPromise());
    }
}
