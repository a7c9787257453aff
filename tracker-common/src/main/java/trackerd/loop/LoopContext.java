package trackerd.loop;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import trackerd.handoff.SwarmGateway;
import trackerd.metrics.MetricWriter;
import trackerd.runtime.TrackerClock;

/**
 * What every front end on one event loop shares: its gateway to the swarms, one metric writer,
 * the clock read once per read batch, and the registry of its open connections. One per socket
 * worker, made by the daemon at start ({@link LoopContexts}); handlers look theirs up when their
 * channel registers. Only the loop's own thread may use it.
 */
public final class LoopContext {
    private final EventLoop loop;
    private final SwarmGateway gateway;
    private final MetricWriter metrics;
    private final TrackerClock clock;
    private final ConnectionRegistry<Channel> connections;
    private long nowSeconds;
    private boolean clockStale = true;

    LoopContext(EventLoop loop, SwarmGateway gateway, MetricWriter metrics, TrackerClock clock, int maxConnections) {
        this.loop = loop;
        this.gateway = gateway;
        this.metrics = metrics;
        this.clock = clock;
        this.connections = new ConnectionRegistry<>(maxConnections);
    }

    public EventLoop loop() {
        return loop;
    }

    public SwarmGateway gateway() {
        return gateway;
    }

    /** This loop's writer: every front end's counters on this loop go into it. */
    public MetricWriter metrics() {
        return metrics;
    }

    public TrackerClock clock() {
        return clock;
    }

    /** Open connections of this loop by id and generation (HTTP, WebSocket). */
    public ConnectionRegistry<Channel> connections() {
        return connections;
    }

    /** Seconds since start, read from the clock at most once per read batch. */
    public long nowSeconds() {
        if (clockStale) {
            nowSeconds = clock.nowSeconds();
            clockStale = false;
        }
        return nowSeconds;
    }

    /**
     * End of a read batch: the next {@link #nowSeconds} reads the clock again, and what was
     * answered inline or must wake a swarm worker goes out ({@link SwarmGateway#flush}).
     */
    public void endReadBatch() {
        clockStale = true;
        gateway.flush();
    }
}
