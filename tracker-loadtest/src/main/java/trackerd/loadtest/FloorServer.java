package trackerd.loadtest;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one of the load tester's floor servers ({@code ws-echo}, {@code http-echo}): a TCP server
 * on one event loop (epoll where there is one), each connection's pipeline made by
 * {@code handlers}, for {@code seconds}; then closes and returns 0.
 */
final class FloorServer {
    private FloorServer() {}

    static int serve(String name, InetSocketAddress listen, int seconds, PrintStream err,
                     Consumer<ChannelPipeline> handlers) throws Exception {
        boolean epoll = Epoll.isAvailable();
        EventLoopGroup group = epoll ? new EpollEventLoopGroup(1) : new NioEventLoopGroup(1);
        try {
            Channel channel = new ServerBootstrap().group(group)
                .channel(epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        handlers.accept(ch.pipeline());
                    }
                })
                .bind(listen).sync().channel();
            err.println(name + " listening on " + channel.localAddress() + " for " + seconds + " s");
            channel.closeFuture().await(seconds, TimeUnit.SECONDS);
            channel.close().sync();
            return 0;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
