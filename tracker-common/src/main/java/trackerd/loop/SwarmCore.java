package trackerd.loop;

import io.netty.channel.EventLoopGroup;
import trackerd.config.TrackerConfig;
import trackerd.handoff.GatewaySizing;
import trackerd.metrics.MetricBank;
import trackerd.runtime.TrackerClock;
import trackerd.runtime.WorkerThreadFactory;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.SwarmSettings;

/**
 * What every front end is started on: the clock, the swarm engine (started) and one
 * {@link LoopContext} per socket worker, wired from the config's {@code [swarm]}, {@code [limits]}
 * and {@code [workers]} sections. The daemon and the front ends' tests build it the same way.
 * Closing it answers what is queued and stops the swarm workers; the event loops are the caller's.
 */
public final class SwarmCore implements AutoCloseable {
    private final TrackerClock clock;
    private final SwarmEngine engine;
    private final GatewaySizing sizing;
    private final LoopContexts contexts;

    /**
     * @param loops the socket workers in {@code group}
     * @throws IllegalStateException when the engine is inline and {@code group} has more than one loop
     */
    public SwarmCore(TrackerConfig config, EventLoopGroup group, int loops, MetricBank bank,
                     WorkerThreadFactory swarmThreads) {
        this(config, group, loops, bank, swarmThreads, (engine, clock) -> { });
    }

    /** Work on the engine before its swarm workers start, on the calling thread (a snapshot restore). */
    @FunctionalInterface
    public interface BeforeStart {
        void accept(SwarmEngine unstarted, TrackerClock clock);
    }

    /** As above, running {@code beforeStart} between the engine's construction and its start. */
    public SwarmCore(TrackerConfig config, EventLoopGroup group, int loops, MetricBank bank,
                     WorkerThreadFactory swarmThreads, BeforeStart beforeStart) {
        clock = TrackerClock.start();
        engine = new SwarmEngine(new SwarmSettings(config.swarm(), config.limits()), config.workers().swarmWorkers(),
            config.workers().queueCapacity(), bank, clock, swarmThreads);
        beforeStart.accept(engine, clock);
        engine.start();
        try {
            sizing = GatewaySizing.forLoops(config.workers().queueCapacity(), loops, Runtime.getRuntime().maxMemory(),
                config.swarm().maxResponsePeers(), config.limits().maxScrapeHashes());
            contexts = new LoopContexts(group, engine, bank, clock, sizing, config.ws().maxConnections());
        } catch (RuntimeException e) {
            engine.close();
            throw e;
        }
    }

    public TrackerClock clock() {
        return clock;
    }

    public SwarmEngine engine() {
        return engine;
    }

    /** How many requests each socket worker pools, and what that costs. */
    public GatewaySizing sizing() {
        return sizing;
    }

    public LoopContexts contexts() {
        return contexts;
    }

    @Override
    public void close() {
        engine.close();
    }
}
