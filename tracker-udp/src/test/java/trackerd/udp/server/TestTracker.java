package trackerd.udp.server;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import trackerd.access.AccessList;
import trackerd.config.TrackerConfig;
import trackerd.loop.SwarmCore;
import trackerd.metrics.MetricBank;
import trackerd.runtime.WorkerThreadFactory;

/** The UDP front end on a real engine and real sockets, wired as the daemon wires them. */
final class TestTracker implements AutoCloseable {
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final MetricBank bank = new MetricBank(registry);
    final SwarmCore core;
    final UdpFrontEnd udp;

    /** The config's swarm workers, on every loop of {@code group}. */
    TestTracker(TrackerConfig config, EventLoopGroup group, LocalAddressSockets.AddressSource localAddresses)
            throws Exception {
        int loops = 0;
        for (var ignored : group) loops++;
        core = new SwarmCore(config, group, loops, bank,
            new WorkerThreadFactory("test-swarm", (t, e) -> e.printStackTrace()));
        try {
            AccessList access = AccessList.open(config.accessList().mode(), config.accessList().path(), bank);
            udp = UdpFrontEnd.start(config, group, core.contexts(), access, bank, localAddresses);
        } catch (Exception e) {
            core.close();
            throw e;
        }
    }

    @Override
    public void close() {
        udp.close();
        core.close();
    }
}
