package trackerd.loadtest;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.SegmentedDatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.DatagramPacket;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * The cheapest possible BEP 15 peer: a connect gets a fixed id, an announce an empty peer list,
 * a scrape zeros. It keeps no state, and the 20-byte announce replies of one read batch to one
 * sender leave as one UDP GSO send, so that it outruns the load tester and driving it shows the
 * load tester's own ceiling.
 */
final class UdpResponder extends ChannelInboundHandlerAdapter {
    private static final int ANNOUNCE_REPLY = 20;
    private static final int MAX_SENDERS = 64;
    private final boolean gso = Epoll.isAvailable() && EpollDatagramChannel.isSegmentedDatagramPacketSupported();
    private final InetSocketAddress[] senders = new InetSocketAddress[MAX_SENDERS];
    private final ByteBuf[] batches = new ByteBuf[MAX_SENDERS];
    private final int[] batched = new int[MAX_SENDERS];
    private int senderCount;

    private UdpResponder() {}

    static int serve(InetSocketAddress listen, int seconds, PrintStream err) throws Exception {
        EventLoopGroup group = Epoll.isAvailable() ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        try {
            Bootstrap bootstrap = new Bootstrap().group(group).handler(new UdpResponder())
                .option(ChannelOption.SO_RCVBUF, 8 << 20).option(ChannelOption.SO_SNDBUF, 8 << 20)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(2048 * 16));
            if (Epoll.isAvailable()) {
                bootstrap.channel(EpollDatagramChannel.class).option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, 2048);
            } else {
                bootstrap.channel(NioDatagramChannel.class);
            }
            Channel channel = bootstrap.bind(listen).sync().channel();
            err.println("udp-responder listening on " + channel.localAddress() + " for " + seconds + " s");
            channel.closeFuture().await(seconds, TimeUnit.SECONDS);
            channel.close().sync();
            return 0;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        DatagramPacket packet = (DatagramPacket) msg;
        try {
            ByteBuf in = packet.content();
            if (in.readableBytes() < 16) return;
            int action = in.getInt(in.readerIndex() + 8);
            int tid = in.getInt(in.readerIndex() + 12);
            if (action == 1 && gso) {
                batch(ctx, packet.sender()).writeInt(1).writeInt(tid).writeInt(1800).writeInt(0).writeInt(0);
                return;
            }
            ByteBuf out = ctx.alloc().directBuffer(20).writeInt(action).writeInt(tid);
            switch (action) {
                case 0 -> out.writeLong(0x0102030405060708L);
                case 1 -> out.writeInt(1800).writeInt(0).writeInt(0);
                default -> out.writeZero((in.readableBytes() - 16) / 20 * 12);
            }
            ctx.write(new DatagramPacket(out, packet.sender()), ctx.voidPromise());
        } finally {
            packet.release();
        }
    }

    private ByteBuf batch(ChannelHandlerContext ctx, InetSocketAddress sender) {
        int i = 0;
        while (i < senderCount && !senders[i].equals(sender)) i++;
        if (i == senderCount) {
            if (senderCount == MAX_SENDERS) {
                writeBatches(ctx);
                i = 0;
            }
            senders[i] = sender;
            batches[i] = ctx.alloc().directBuffer(ANNOUNCE_REPLY * 64);
            senderCount = i + 1;
        } else if (batched[i] == 64) {
            write(ctx, i);
            batches[i] = ctx.alloc().directBuffer(ANNOUNCE_REPLY * 64);
        }
        batched[i]++;
        return batches[i];
    }

    private void write(ChannelHandlerContext ctx, int i) {
        Object packet = batched[i] == 1 ? new DatagramPacket(batches[i], senders[i])
            : new SegmentedDatagramPacket(batches[i], ANNOUNCE_REPLY, senders[i]);
        ctx.write(packet, ctx.voidPromise());
        batches[i] = null;
        batched[i] = 0;
    }

    private void writeBatches(ChannelHandlerContext ctx) {
        for (int i = 0; i < senderCount; i++) {
            if (batches[i] != null) write(ctx, i);
            senders[i] = null;
        }
        senderCount = 0;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        writeBatches(ctx);
        ctx.flush();
    }
}
