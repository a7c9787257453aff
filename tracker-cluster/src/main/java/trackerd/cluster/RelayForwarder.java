package trackerd.cluster;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.jctools.queues.MpscArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.runtime.DistinctErrorLog;
import trackerd.runtime.TrackerClock;
import trackerd.swarm.CrossNodeRelay;
import trackerd.swarm.CrossNodeRelays;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.SwarmShard;
import trackerd.swarm.WsRelayDoor;

/**
 * WebTorrent offers and answers between cluster nodes (issue 14): each node listens on its own
 * channel {@code trackerd:relay:NODEID} (sharded pub/sub on a Redis Cluster), and a relay for a
 * peer of another node is published to that node's channel.
 *
 * <ul>
 *   <li><b>Out.</b> An event loop calls {@link #send}: the relay is encoded ({@link RelayCodec},
 *       one exactly sized array, which Lettuce holds until it is written, so it cannot be pooled,
 *       plus a 24-byte queue entry: per relay that crosses nodes, not per announce) and offered to a bounded MPSC queue ({@link #QUEUE_CAPACITY});
 *       full = dropped and counted (offers are best effort: the browser sends fresh ones with its
 *       next announce). The thread {@code cluster-relay} drains the queue and publishes; it parks
 *       when the queue is empty and the producer that finds it parked wakes it (it sets
 *       {@code parked}, then checks the queue once more; a producer offers, then reads
 *       {@code parked}: no wakeup is lost). No event loop or swarm worker ever does Redis I/O.
 *   <li><b>In</b> (Lettuce's I/O thread): a relay is checked and queued as a command to the shard
 *       of its info hash, which routes it ({@link SwarmShard#routeRemoteOffer},
 *       {@link SwarmShard#routeRemoteAnswer}: the recipient must be held by a connection of this
 *       node; an offer is remembered as pending here, an answer must find its offer pending) and
 *       hands the frame to the recipient's event loop through the front end's
 *       {@link WsRelayDoor}. A full shard inbox or loop inbox drops and counts.
 * </ul>
 *
 * A relay crosses Redis once each way, so an offer and its answer take two publishes and about
 * two Redis round trips on top of the local path; nothing waits for them.
 */
final class RelayForwarder implements CrossNodeRelays, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RelayForwarder.class);
    static final String CHANNEL_PREFIX = "trackerd:relay:";
    /** Relays waiting for the publisher thread: about 4 MiB at 1 KiB of SDP each. */
    static final int QUEUE_CAPACITY = 4096;
    private static final int DRAIN_BATCH = 256;
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

    private static final class Outgoing {
        final int origin;
        final byte[] message;

        Outgoing(int origin, byte[] message) {
            this.origin = origin;
            this.message = message;
        }
    }

    private final byte[] nodeId;
    private final RedisLink link;
    private final NodeDirectory directory;
    private final SwarmEngine engine;
    private final TrackerClock clock;
    private final MpscArrayQueue<Outgoing> queue = new MpscArrayQueue<>(QUEUE_CAPACITY);
    private final DistinctErrorLog errors = new DistinctErrorLog(LOG);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean parked;
    private volatile WsRelayDoor door;
    /** Channel names by node id; relay thread only. */
    private final Map<String, byte[]> channels = new HashMap<>();

    final AtomicLong outPublished = new AtomicLong();
    final AtomicLong outDropped = new AtomicLong();
    final AtomicLong inDelivered = new AtomicLong();
    final AtomicLong inRefused = new AtomicLong();
    final AtomicLong inDropped = new AtomicLong();
    final AtomicLong inBad = new AtomicLong();

    RelayForwarder(String nodeId, RedisLink link, NodeDirectory directory, SwarmEngine engine, TrackerClock clock,
                   MeterRegistry registry, ThreadFactory threads) {
        this.nodeId = nodeId.getBytes(StandardCharsets.UTF_8);
        this.link = link;
        this.directory = directory;
        this.engine = engine;
        this.clock = clock;
        this.thread = threads.newThread(this::publishLoop);
        thread.setName("cluster-relay-01"); // the factory's uncaught-exception handler, a name of its own
        counter(registry, outPublished, "out", "published");
        counter(registry, outDropped, "out", "dropped");
        counter(registry, inDelivered, "in", "delivered");
        counter(registry, inRefused, "in", "refused");
        counter(registry, inDropped, "in", "dropped");
        counter(registry, inBad, "in", "bad");
    }

    private static void counter(MeterRegistry registry, AtomicLong value, String direction, String result) {
        FunctionCounter.builder("tracker_cluster_ws_relays", value, AtomicLong::get)
            .description("WebTorrent offers and answers between nodes: out published or dropped (queue full, Redis "
                + "down, node gone); in delivered to a local connection's loop, refused (recipient not here, "
                + "answer without a pending offer), dropped (an inbox full), bad (did not decode)")
            .tag("direction", direction).tag("result", result).register(registry);
    }

    /** This node's own relay channel. */
    static byte[] channelOf(String nodeId) {
        return (CHANNEL_PREFIX + nodeId).getBytes(StandardCharsets.UTF_8);
    }

    void start() {
        thread.start();
    }

    /** Where routed relays from other nodes go: the WebTorrent front end. Until set they are dropped. */
    void serve(WsRelayDoor door) {
        this.door = door;
    }

    @Override
    public boolean send(CrossNodeRelay relay) {
        if (!queue.offer(new Outgoing(relay.origin, RelayCodec.encode(nodeId, relay)))) {
            outDropped.incrementAndGet();
            return false;
        }
        if (parked) LockSupport.unpark(thread);
        return true;
    }

    private void publishLoop() {
        while (running) {
            try {
                if (queue.drain(this::publish, DRAIN_BATCH) > 0) continue;
            } catch (RuntimeException e) {
                errors.log("cluster relay publish failed (it goes on)", e);
            }
            parked = true;
            if (queue.isEmpty() && running) LockSupport.parkNanos(this, MAX_PARK_NANOS);
            parked = false;
        }
    }

    private void publish(Outgoing out) {
        String to = directory.nodeIdOf(out.origin);
        if (to == null || !link.up()) { // the node was lost meanwhile, or Redis is down: nobody hears it
            outDropped.incrementAndGet();
            return;
        }
        byte[] channel = channels.computeIfAbsent(to, RelayForwarder::channelOf);
        try {
            link.publish(channel, out.message).whenComplete((receivers, failure) -> {
                if (failure != null || receivers == null || receivers == 0) outDropped.incrementAndGet();
                else outPublished.incrementAndGet();
            });
        } catch (RuntimeException e) { // rejected at once while disconnected
            outDropped.incrementAndGet();
        }
    }

    /** Lettuce's I/O thread: a relay on this node's channel. */
    void onMessage(byte[] message) {
        RelayCodec.Relay r = new RelayCodec.Relay();
        if (RelayCodec.read(message, r) != RelayCodec.OK) {
            inBad.incrementAndGet();
            return;
        }
        WsRelayDoor to = door;
        if (to == null) {
            inDropped.incrementAndGet();
            return;
        }
        int shard = engine.shardOf(r.infoHash0, r.infoHash1, r.infoHash2);
        int fromOrigin = directory.originOf(r.nodeId); // where the offerer is, should the answer overtake its news
        if (!engine.execute(shard, s -> route(s, r, fromOrigin, message, to))) inDropped.incrementAndGet();
    }

    /** On the shard's thread: the recipient's connection, and the pending-offer check. */
    private void route(SwarmShard shard, RelayCodec.Relay r, int fromOrigin, byte[] message, WsRelayDoor to) {
        int tick = SwarmShard.tick(clock.nowSeconds());
        boolean routed = r.kind == CrossNodeRelay.OFFER
            ? shard.routeRemoteOffer(r.infoHash0, r.infoHash1, r.infoHash2, r.offer0, r.offer1, r.offer2,
                r.from0, r.from1, r.from2, r.to0, r.to1, r.to2, tick, fromOrigin)
            : shard.routeRemoteAnswer(r.infoHash0, r.infoHash1, r.infoHash2, r.offer0, r.offer1, r.offer2,
                r.from0, r.from1, r.from2, r.to0, r.to1, r.to2, tick);
        if (!routed) {
            inRefused.incrementAndGet();
            return;
        }
        if (to.deliver(shard.routedLoop(), shard.routedConnection(), r.kind, message, r.frameOffset, r.frameLength)) {
            inDelivered.incrementAndGet();
        } else {
            inDropped.incrementAndGet();
        }
    }

    /** Stops the relay thread (what is queued is dropped: offers are best effort). */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
