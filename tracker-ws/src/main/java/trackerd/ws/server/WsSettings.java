package trackerd.ws.server;

import io.netty.channel.EventLoop;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import trackerd.access.AccessList;
import trackerd.config.TrackerConfig;
import trackerd.swarm.CrossNodeRelays;
import trackerd.swarm.SwarmEngine;

/**
 * What every WebTorrent connection of the process shares: the config values it reads, the access
 * list, the engine (for close commands), metric definitions, every loop's {@link WsLoop} by index
 * (relays go to a loop by its index) and the count of open connections against
 * {@code ws.max_connections} (the only value written by several loops: an atomic, touched once
 * per connection open and close, never per message).
 */
final class WsSettings {
    private final TrackerConfig.Ws ws;
    private final int intervalSeconds;
    private final int maxScrapeHashes;
    private final AccessList accessList;
    private final SwarmEngine engine;
    private final WsMetrics.Definitions definitions;
    private final AtomicInteger open = new AtomicInteger();
    private WsLoop[] loops;
    private final Map<EventLoop, WsLoop> byEventLoop = new IdentityHashMap<>();
    /** The cluster's relay queue (issue 14); null without a cluster. Set once, read per cross-node relay. */
    private volatile CrossNodeRelays crossNode;

    WsSettings(TrackerConfig config, AccessList accessList, SwarmEngine engine, WsMetrics.Definitions definitions) {
        this.ws = config.ws();
        // as bittorrent-tracker does for WebSocket clients: a fifth of the HTTP interval, at least 30 s
        this.intervalSeconds = Math.max(30, config.swarm().announceIntervalSeconds() / 5);
        this.maxScrapeHashes = config.limits().maxScrapeHashes();
        this.accessList = accessList;
        this.engine = engine;
        this.definitions = definitions;
    }

    /** Set once at start, before any connection: the loops in index order. */
    void setLoops(WsLoop[] all) {
        loops = all;
        for (WsLoop loop : all) byEventLoop.put(loop.context.loop(), loop);
    }

    void setCrossNode(CrossNodeRelays relays) {
        crossNode = relays;
    }

    /** Null when this node is not in a cluster (then no peer is another node's). */
    CrossNodeRelays crossNode() {
        return crossNode;
    }

    WsLoop[] loops() {
        return loops;
    }

    WsLoop loopOf(EventLoop loop) {
        WsLoop found = byEventLoop.get(loop);
        if (found == null) throw new IllegalArgumentException("not a socket worker of this tracker: " + loop);
        return found;
    }

    /** A new connection may open: false past {@code ws.max_connections}. Any loop. */
    boolean tryOpen() {
        while (true) {
            int now = open.get();
            if (now >= ws.maxConnections()) return false;
            if (open.compareAndSet(now, now + 1)) return true;
        }
    }

    void closed() {
        open.decrementAndGet();
    }

    int maxFrameBytes() {
        return ws.maxFrameBytes();
    }

    int maxOffersPerAnnounce() {
        return Math.max(1, ws.maxOffersPerAnnounce());
    }

    /** Offers relayed per announce as configured (0: none). */
    int configuredMaxOffers() {
        return ws.maxOffersPerAnnounce();
    }

    int idleTimeoutSeconds() {
        return ws.idleTimeoutSeconds();
    }

    int pingIntervalSeconds() {
        return ws.pingIntervalSeconds();
    }

    /** How often a silent connection is looked at (pinged, or closed once silent for the idle timeout). */
    int silenceCheckSeconds() {
        return Math.min(ws.pingIntervalSeconds(), ws.idleTimeoutSeconds());
    }

    int intervalSeconds() {
        return intervalSeconds;
    }

    int maxScrapeHashes() {
        return maxScrapeHashes;
    }

    AccessList accessList() {
        return accessList;
    }

    SwarmEngine engine() {
        return engine;
    }

    WsMetrics.Definitions definitions() {
        return definitions;
    }
}
