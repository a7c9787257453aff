package trackerd.udp.server;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import trackerd.access.AccessList;
import trackerd.config.TrackerConfig;
import trackerd.handoff.GatewaySizing;
import trackerd.loop.LoopContexts;
import trackerd.metrics.MetricBank;
import trackerd.runtime.TrackerClock;
import trackerd.runtime.WorkerThreadFactory;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.SwarmSettings;

/** The UDP front end on a real engine and real sockets, wired as the daemon wires them. */
final class TestTracker implements AutoCloseable {
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MetricBank bank = new MetricBank(registry);
    final SwarmEngine engine;
    final UdpFrontEnd udp;

    /** @param swarmWorkers 0 = inline (the group must have one loop) */
    TestTracker(TrackerConfig config, EventLoopGroup group, int loops, int swarmWorkers,
                LocalAddressSockets.AddressSource localAddresses) throws Exception {
        TrackerClock clock = TrackerClock.start();
        engine = new SwarmEngine(new SwarmSettings(config.swarm(), config.limits()), swarmWorkers, 1024, bank, clock,
            new WorkerThreadFactory("test-swarm", (t, e) -> e.printStackTrace()));
        engine.start();
        try {
            LoopContexts contexts = new LoopContexts(group, engine, bank, clock,
                GatewaySizing.forLoops(1024, loops, Runtime.getRuntime().maxMemory(), config.swarm().maxResponsePeers(),
                    config.limits().maxScrapeHashes()), 1000);
            AccessList access = AccessList.open(config.accessList().mode(), config.accessList().path(), bank);
            udp = UdpFrontEnd.start(config, group, contexts, access, bank, localAddresses);
        } catch (Exception e) {
            engine.close();
            throw e;
        }
    }

    @Override
    public void close() {
        udp.close();
        engine.close();
    }
}
