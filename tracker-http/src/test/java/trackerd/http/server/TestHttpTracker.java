package trackerd.http.server;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.util.List;
import java.util.concurrent.TimeUnit;
import trackerd.access.AccessList;
import trackerd.config.ConfigLoader;
import trackerd.config.TrackerConfig;
import trackerd.handoff.GatewaySizing;
import trackerd.loop.LoopContexts;
import trackerd.metrics.MetricBank;
import trackerd.runtime.TrackerClock;
import trackerd.runtime.WorkerThreadFactory;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.SwarmSettings;

/** The HTTP front end on a real engine, event loops and sockets, wired as the daemon wires them. */
final class TestHttpTracker implements AutoCloseable {
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MetricBank bank = new MetricBank(registry);
    final TrackerConfig config;
    final EventLoopGroup group;
    final SwarmEngine engine;
    final HttpFrontEnd http;

    /**
     * @param sets config overrides; the listen addresses default to 127.0.0.1:0 and [::1]:0, and the
     *     layout to 2 socket workers and 2 swarm workers unless a set names them
     */
    TestHttpTracker(boolean nio, WebSocketDoor door, String... sets) throws Exception {
        List<String> all = new java.util.ArrayList<>(List.of("http.listen=[\"127.0.0.1:0\", \"[::1]:0\"]",
            "workers.socket_workers=2", "workers.swarm_workers=2"));
        all.addAll(List.of(sets));
        config = ConfigLoader.load(null, all);
        int loops = config.workers().socketWorkers();
        WorkerThreadFactory threads = new WorkerThreadFactory("test", (t, e) -> e.printStackTrace());
        group = Epoll.isAvailable() && !nio ? new EpollEventLoopGroup(loops, threads) : new NioEventLoopGroup(loops, threads);
        TrackerClock clock = TrackerClock.start();
        engine = new SwarmEngine(SwarmSettings.ofThisJvm(config.swarm(), config.limits()), config.workers().swarmWorkers(),
            1024, bank, clock, new WorkerThreadFactory("test-swarm", (t, e) -> e.printStackTrace()));
        engine.start();
        try {
            LoopContexts contexts = new LoopContexts(group, engine, bank, clock,
                GatewaySizing.forLoops(1024, loops, Runtime.getRuntime().maxMemory(), config.swarm().maxResponsePeers(),
                    config.limits().maxScrapeHashes()), 1000);
            AccessList access = AccessList.open(config.accessList().mode(), config.accessList().path(), bank);
            http = HttpFrontEnd.start(config, group, contexts, access, bank, engine, clock, null, door,
                (t, e) -> e.printStackTrace());
        } catch (Exception e) {
            engine.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    TestHttpTracker(String... sets) throws Exception {
        this(false, null, sets);
    }

    double counter(String name, String... tags) {
        return registry.get(name).tags(tags).functionCounter().count();
    }

    double gauge(String name) {
        return registry.get(name).gauge().value();
    }

    @Override
    public void close() throws Exception {
        http.close();
        engine.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
}
