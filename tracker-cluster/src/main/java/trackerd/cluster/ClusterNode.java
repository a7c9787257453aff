package trackerd.cluster;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.config.TrackerConfig;
import trackerd.metrics.MetricBank;
import trackerd.runtime.DistinctErrorLog;
import trackerd.runtime.TrackerClock;
import trackerd.runtime.WorkerThreadFactory;
import trackerd.swarm.ChangeBuffer;
import trackerd.swarm.CrossNodeRelays;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.SwarmShard;
import trackerd.swarm.WsRelayDoor;

/**
 * One trackerd node of a cluster (issue 14): its own clients' changes go out to the other nodes
 * through Redis, theirs come in and are applied to this node's shards. No request waits for any
 * of it: announces are answered from memory as on a single node.
 *
 * <ul>
 *   <li><b>Out</b> (thread {@code cluster-publisher}): every {@code publish_interval_ms} each
 *       shard swaps its change buffer ({@link ChangeCollector}); the filled ones are encoded into
 *       one message ({@link ChangeBatchCodec}; several past 65,535 changes) with the next
 *       sequence number and published. With no changes a message with none goes out every
 *       {@code heartbeat_seconds}, and the key {@code trackerd:node:ID} is set with a TTL of
 *       3 x heartbeat. A change reaches the other nodes within about 2 x the interval.
 *   <li><b>In</b> (Lettuce's I/O thread): a message of another node is checked, split by shard
 *       into {@link ChangeBuffer}s and queued as commands ({@link SwarmEngine#execute}), so each
 *       shard is still written by its own thread only.
 *   <li><b>Lost nodes</b>: a node that shuts down says so (a LEAVING message) and the others
 *       drop its peers at once; a node not heard from for 2 x heartbeat (checked every publish
 *       interval, so within 3 x heartbeat of its last message) loses its peers on every shard
 *       ({@link SwarmShard#dropOrigin}, in cleaning slices). Not while this node's own Redis link is down: then
 *       everyone looks silent, and remote peers just expire by the peer timeout.
 *   <li><b>Redis down</b>: requests are served as ever; publishes fail and are counted (the
 *       others see a gap); the link reconnects with backoff; one log line when it goes, one when
 *       it comes back.
 *   <li><b>WebTorrent</b>: WS peers travel in the same change stream (kind WEBTORRENT); offers
 *       and answers for a peer of another node go to that node's own channel through
 *       {@link RelayForwarder} (thread {@code cluster-relay}; best effort).
 *   <li><b>Snapshots</b>: each node keeps one snapshot of its own peers in Redis, in the state
 *       file's format, with the sequence number it covers ({@link SnapshotPublisher}, driven by
 *       the publisher thread every {@code state.save_interval_seconds} and when asked).
 *   <li><b>Resync</b>: a node whose stream had a gap or that said it lost changes is marked
 *       ({@link NodeDirectory#takeResyncs}) and needs a snapshot covering the last message
 *       applied; a node we hear for the first time (it started after us, we started after it, or
 *       one of us reconnected) is held from that first message on, so a snapshot covering the
 *       message before it will do (or that message, when it carries LOST: every node's first
 *       message after a connect does). A node writes its snapshot right after it connects, so
 *       when nodes start together the one that starts later is resynced from the snapshot
 *       already in Redis (176 ms in {@code WebTorrentClusterIT}), not after a request for a
 *       fresh one (a heartbeat or two: 1.3 s there with a 1 s heartbeat). The
 *       BitTorrent changes of its messages are held, its
 *       snapshot is loaded and applied as its remote peers, then the held changes after the
 *       snapshot ({@link ClusterResync}, on thread {@code cluster-resync}). Its <b>WebTorrent
 *       changes are never held</b>: a snapshot has no WS peers (it is the state file's format, and
 *       a browser's peer lives no longer than its connection), so holding them bought nothing and
 *       lost those the snapshot's sequence "covered" (a browser's announce, or its close, gone
 *       until the next re-announce or the peer timeout). They are applied as they arrive, in the
 *       stream's order among themselves, while the node's BitTorrent changes wait.
 * </ul>
 */
public final class ClusterNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterNode.class);
    private static final long MAX_CONNECT_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(5);
    /**
     * Most words of another node's changes in one shard command: 1,024 IPv4 changes, about half a
     * millisecond of a swarm worker on a busy node. A whole message for a shard in one command
     * (several thousand changes at 100,000 a second a node) held that shard's own requests for
     * milliseconds; the worker stops after the current command once a request waits.
     */
    static final int COMMAND_WORDS = 4_096;

    private final TrackerConfig.Cluster config;
    private final SwarmEngine engine;
    private final TrackerClock clock;
    private final ClusterMetrics metrics;
    private final RedisLink link;
    private final ChangeCollector collector;
    private final NodeDirectory directory = new NodeDirectory();
    private final ChangeBatchCodec.Writer writer;
    private final ChangeBatchCodec.Header header = new ChangeBatchCodec.Header(); // guarded by onMessage
    private final DistinctErrorLog errors = new DistinctErrorLog(LOG);
    private final Thread publisher;
    /** WebTorrent offers and answers for peers of other nodes, on per-node channels. */
    private final RelayForwarder relays;
    private final ResyncMetrics resyncMetrics;
    private final SnapshotPublisher snapshots;
    private final ClusterResync resyncs;
    private final long intervalNanos;
    private final long heartbeatNanos;
    private volatile boolean running = true;
    /** Set by a failed publish (any thread): the next message carries the LOST flag. */
    private final AtomicBoolean lost = new AtomicBoolean();
    // publisher thread only
    private long sequence;
    private boolean messageOpen;
    private boolean messageLost;
    private long lastPublishNanos;
    private long lastHeartbeatKeyNanos;
    private long linkUpSinceNanos;
    private boolean reportedDown;
    private long nextConnectNanos;
    private long connectBackoffNanos = TimeUnit.MILLISECONDS.toNanos(100);

    private ClusterNode(TrackerConfig.Cluster config, SwarmEngine engine, TrackerClock clock, MetricBank bank,
                        WorkerThreadFactory threads, int snapshotIntervalSeconds) {
        this.config = config;
        this.engine = engine;
        this.clock = clock;
        this.metrics = new ClusterMetrics(bank.registry());
        this.link = new RedisLink(config.redis());
        this.collector = new ChangeCollector(engine, ChangeCollector.BUFFER_WORDS);
        this.writer = new ChangeBatchCodec.Writer(config.nodeId());
        this.intervalNanos = TimeUnit.MILLISECONDS.toNanos(config.publishIntervalMs());
        this.heartbeatNanos = TimeUnit.SECONDS.toNanos(config.heartbeatSeconds());
        this.publisher = threads.newThread(this::publishLoop);
        this.relays = new RelayForwarder(config.nodeId(), link, directory, engine, clock, bank.registry(),
            r -> threads.newThread(r));
        this.resyncMetrics = new ResyncMetrics(bank.registry());
        this.snapshots = new SnapshotPublisher(config.nodeId(), engine, clock, link, resyncMetrics,
            snapshotIntervalSeconds, config.heartbeatSeconds());
        this.resyncs = new ClusterResync(this, engine, clock, link, resyncMetrics, config.heartbeatSeconds(),
            this::replay, threads);
    }

    /**
     * Starts capturing changes and the publisher thread, which connects to Redis (and retries with
     * backoff while it cannot: the tracker serves meanwhile).
     */
    public static ClusterNode start(TrackerConfig.Cluster config, SwarmEngine engine, TrackerClock clock,
                                    MetricBank bank, WorkerThreadFactory threads) {
        return start(config, engine, clock, bank, threads, 300);
    }

    /**
     * As {@link #start(TrackerConfig.Cluster, SwarmEngine, TrackerClock, MetricBank, WorkerThreadFactory)},
     * with this node's snapshot in Redis refreshed every {@code snapshotIntervalSeconds}
     * ({@code state.save_interval_seconds}).
     */
    public static ClusterNode start(TrackerConfig.Cluster config, SwarmEngine engine, TrackerClock clock,
                                    MetricBank bank, WorkerThreadFactory threads, int snapshotIntervalSeconds) {
        ClusterNode node = new ClusterNode(config, engine, clock, bank, threads, snapshotIntervalSeconds);
        node.collector.start();
        node.resyncs.start();
        node.publisher.start();
        node.relays.start();
        return node;
    }

    /**
     * Where the WebTorrent front end hands offers and answers for peers that other nodes hold
     * (issue 14); any event loop. See {@link RelayForwarder}.
     */
    public CrossNodeRelays crossNodeRelays() {
        return relays;
    }

    /** The relay forwarder (tests read its counters). */
    RelayForwarder relays() {
        return relays;
    }

    /** Where offers and answers from other nodes go once a shard has routed them: the WebTorrent front end. */
    public void serveWebTorrent(WsRelayDoor door) {
        relays.serve(door);
    }

    public String nodeId() {
        return config.nodeId();
    }

    /** Other nodes heard from and not lost. Any thread. */
    public int otherNodes() {
        return directory.size();
    }

    private void publishLoop() {
        long next = clock.nowNanos();
        while (running) {
            try {
                cycle();
            } catch (RuntimeException e) {
                errors.log("cluster publisher cycle failed (it goes on)", e);
            }
            next += intervalNanos;
            long now = clock.nowNanos();
            if (next - now < 0) next = now; // late (a long GC, a slow Redis): do not catch up in a burst
            else waitUntil(next);
        }
    }

    /** Parks until {@code deadline}; a snapshot slice that finishes wakes it to hand out the next. */
    private void waitUntil(long deadline) {
        for (long left; running && (left = deadline - clock.nowNanos()) > 0; ) {
            LockSupport.parkNanos(this, left);
            if (snapshots.saving()) {
                try {
                    snapshots.step(clock.nowNanos(), sequence, link.connected() && link.up());
                } catch (RuntimeException e) {
                    errors.log("cluster snapshot step failed (it goes on)", e);
                }
            }
        }
    }

    /** One publish interval: connection, out, lost nodes, resync marks. */
    private void cycle() {
        long now = clock.nowNanos();
        if (!link.connected()) {
            if (now - nextConnectNanos < 0) return;
            tryConnect(now);
            if (!link.connected()) {
                collector.drain(b -> { }); // nobody hears these: drop them, the others will resync
                collector.flipAll();
                return;
            }
        }
        boolean up = link.up();
        watchLink(up, now);
        int nowTick = SwarmShard.tick(clock.nowSeconds());
        collector.drain(buffer -> {
            if (buffer.overflowed()) messageLost = true;
            for (int pos = 0, end = buffer.size(); pos < end; pos = buffer.next(pos)) {
                if (!messageOpen) open();
                if (!writer.add(buffer, pos, nowTick)) {
                    send(now);
                    open();
                    writer.add(buffer, pos, nowTick);
                }
            }
        });
        collector.flipAll();
        if (messageOpen || messageLost || lost.get() || now - lastPublishNanos >= heartbeatNanos) {
            if (!messageOpen) open();
            send(now);
        }
        if (now - lastHeartbeatKeyNanos >= heartbeatNanos && up) {
            lastHeartbeatKeyNanos = now;
            link.heartbeatKey(config.nodeId(), clock.epochSecondsAt(clock.nowSeconds()), 3L * config.heartbeatSeconds())
                .whenComplete((ok, failure) -> {
                    if (failure != null) metrics.publishFailures.incrementAndGet();
                });
            snapshots.checkWanted();
        }
        // lost nodes: only judged while our own link has been up long enough to have heard them
        if (up && now - linkUpSinceNanos > 2 * heartbeatNanos) {
            for (NodeDirectory.Lost lost : directory.removeSilentSince(now - 2 * heartbeatNanos)) {
                int origin = lost.origin();
                metrics.nodesLost.incrementAndGet();
                LOG.info("cluster: node {} stopped heartbeating; removing its peers", lost.nodeId());
                synchronized (this) {
                    resyncs.cancelOrigin(origin);
                }
                engine.executeOnAll(shard -> shard.dropOrigin(origin));
            }
        }
        metrics.nodes.set(directory.size());
        for (String nodeId : directory.takeResyncs()) resync(nodeId);
        snapshots.step(now, sequence, up);
    }

    private void open() {
        writer.begin(++sequence, messageLost | lost.getAndSet(false));
        messageLost = false;
        messageOpen = true;
    }

    private void send(long now) {
        byte[] message = writer.finish();
        int changes = writer.count();
        messageOpen = false;
        lastPublishNanos = now;
        metrics.messagesOut.incrementAndGet();
        metrics.changesOut.addAndGet(changes);
        metrics.bytesOut.addAndGet(message.length);
        try {
            link.publish(message).whenComplete((receivers, failure) -> {
                if (failure != null) {
                    metrics.publishFailures.incrementAndGet();
                    lost.set(true);
                }
            });
        } catch (RuntimeException e) { // rejected at once while disconnected
            metrics.publishFailures.incrementAndGet();
            lost.set(true);
        }
    }

    private void tryConnect(long now) {
        try {
            link.connect(this::onMessage, RelayForwarder.channelOf(config.nodeId()), relays::onMessage);
            LOG.info("cluster: node {} connected to Redis {}{}", config.nodeId(), String.join(", ", redacted()),
                config.redisCluster() ? " (Redis Cluster, sharded pub/sub)" : "");
            connectBackoffNanos = TimeUnit.MILLISECONDS.toNanos(100);
            lost.set(true); // whatever was captured before this was not heard
            snapshots.onConnected();
        } catch (RuntimeException e) {
            if (!reportedDown) {
                LOG.warn("cluster: cannot reach Redis {} ({}); serving this node's swarms alone, retrying",
                    String.join(", ", redacted()), e.getMessage());
                reportedDown = true;
            }
            metrics.redisUp.set(0);
            nextConnectNanos = now + connectBackoffNanos;
            connectBackoffNanos = Math.min(MAX_CONNECT_BACKOFF_NANOS, connectBackoffNanos * 2);
        }
    }

    /** One log line when the link goes down, one when it is back. */
    private void watchLink(boolean up, long now) {
        if (up && metrics.redisUp.get() == 0) {
            metrics.redisUp.set(1);
            linkUpSinceNanos = now;
            if (reportedDown) LOG.info("cluster: Redis connection is back");
            reportedDown = false;
        } else if (!up && metrics.redisUp.get() == 1) {
            metrics.redisUp.set(0);
            LOG.warn("cluster: lost the Redis connection; serving what this node has, reconnecting");
            reportedDown = true;
        }
    }

    /** URLs without passwords, for the log. */
    private List<String> redacted() {
        return config.redis().stream().map(u -> u.replaceAll("//[^@/]*@", "//***@")).toList();
    }

    /**
     * Lettuce's I/O thread: a message from the channel. Synchronized because a Redis Cluster
     * subscription may deliver from more than one connection (after a topology change); a few
     * messages per interval, so the lock is never contended in practice.
     */
    private synchronized void onMessage(byte[] message) {
        try {
            int status = ChangeBatchCodec.read(message, header);
            if (status != ChangeBatchCodec.OK) {
                metrics.badMessages.incrementAndGet();
                return;
            }
            if (header.nodeId.equals(config.nodeId())) return; // our own, echoed
            metrics.messagesIn.incrementAndGet();
            metrics.bytesIn.addAndGet(message.length);
            metrics.changesIn.addAndGet(header.count);
            if (header.leaving) {
                int origin = directory.remove(header.nodeId);
                resyncs.cancel(header.nodeId);
                if (origin >= 0) {
                    LOG.info("cluster: node {} left; removing its peers", header.nodeId);
                    engine.executeOnAll(shard -> shard.dropOrigin(origin));
                }
                return;
            }
            if (directory.restarted(header.nodeId, header.sequence)) {
                int old = directory.remove(header.nodeId);
                resyncs.cancel(header.nodeId);
                LOG.info("cluster: node {} began again (sequence 1); replacing its peers", header.nodeId);
                engine.executeOnAll(shard -> shard.dropOrigin(old));
            }
            NodeDirectory.Arrival arrival = directory.onMessage(header.nodeId, header.sequence, clock.nowNanos());
            int origin = directory.origin();
            if (arrival == NodeDirectory.Arrival.REPEAT) return;
            if (arrival == NodeDirectory.Arrival.FIRST) {
                // held from this very message: a snapshot covering the one before it will do (this one if it
                // says changes were lost before it). Nodes that start together find that in Redis already.
                metrics.resyncsNeeded.incrementAndGet();
                resyncs.begin(header.nodeId, origin, header.lost ? header.sequence : header.sequence - 1);
            } else if (header.lost) {
                directory.markResync(header.nodeId);
            }
            if (header.count == 0) return;
            if (resyncs.hold(header.nodeId, header.sequence, message)) {
                // held for its BitTorrent changes; its WebTorrent ones cannot wait for a snapshot that never has them
                if (header.hasWebTorrent()) apply(message, origin, WEBTORRENT_ONLY);
                return;
            }
            apply(message, origin, ALL);
        } catch (RuntimeException e) {
            metrics.badMessages.incrementAndGet();
            errors.log("cluster: a message could not be applied", e);
        }
    }

    /** {@link #apply} takes every change of a message. */
    private static final int ALL = 0;
    /** {@link #apply} takes a message's WebTorrent changes only (the message is held for a resync). */
    private static final int WEBTORRENT_ONLY = 1;
    /** {@link #apply} takes a message's BitTorrent changes only (a held message replayed after the snapshot). */
    private static final int BITTORRENT_ONLY = 2;

    /** True when a change of {@code flags} is one that {@code kinds} ({@link #ALL}, ...) takes. */
    private static boolean takes(int kinds, int flags) {
        return kinds == ALL || ((flags & ChangeBuffer.WEBTORRENT) != 0) == (kinds == WEBTORRENT_ONLY);
    }

    /**
     * Splits the changes of a message ({@link #header} read) that {@code kinds} takes by shard (two
     * passes: sizes, then exactly sized buffers of at most {@link #COMMAND_WORDS} words) and queues
     * them, in order, a command per buffer.
     */
    private void apply(byte[] message, int origin, int kinds) {
        int shards = engine.shards();
        int[] words = new int[shards];
        long now = clock.nowSeconds();
        ChangeBatchCodec.forEachChange(message, header, now, (h0, h1, h2, flags, tick, key, a0, a1) -> {
            if (takes(kinds, flags)) words[engine.shardOf(h0, h1, h2)] += ChangeBuffer.words(flags);
        });
        ChangeBuffer[] perShard = new ChangeBuffer[shards];
        String nodeId = header.nodeId;
        ChangeBatchCodec.forEachChange(message, header, now, (h0, h1, h2, flags, tick, key, a0, a1) -> {
            if (!takes(kinds, flags)) return;
            int shard = engine.shardOf(h0, h1, h2);
            int need = ChangeBuffer.words(flags);
            ChangeBuffer batch = perShard[shard];
            if (batch == null || batch.size() + need > batch.capacityWords()) {
                if (batch != null) queue(shard, batch, origin, nodeId);
                batch = perShard[shard] = new ChangeBuffer(Math.min(words[shard], COMMAND_WORDS));
            }
            batch.add(h0, h1, h2, flags, tick, key, a0, a1);
            words[shard] -= need;
        });
        for (int i = 0; i < shards; i++) {
            if (perShard[i] != null) queue(i, perShard[i], origin, nodeId);
        }
    }

    private void queue(int shard, ChangeBuffer batch, int origin, String nodeId) {
        if (!engine.execute(shard, s -> s.applyRemote(batch, origin))) {
            metrics.applyRefused.incrementAndGet();
            directory.markResync(nodeId);
        }
    }

    /**
     * Publisher thread: {@code nodeId} was marked for a resync from its snapshot ({@link ClusterResync}). Under
     * the subscriber's lock, so that every message of that node up to the last one applied is
     * covered by the snapshot it waits for, and every later one is held until it is applied.
     */
    private void resync(String nodeId) {
        metrics.resyncsNeeded.incrementAndGet();
        synchronized (this) {
            int origin = directory.originOf(nodeId);
            if (origin >= 0) resyncs.begin(nodeId, origin, directory.lastSequence(nodeId));
        }
        LOG.debug("cluster: node {} needs a resync", nodeId);
    }

    /**
     * A message a resync held, applied after the snapshot (under this lock, from {@link ClusterResync}):
     * its BitTorrent changes only, its WebTorrent ones were applied when it arrived.
     */
    private synchronized void replay(byte[] message, int origin) {
        if (ChangeBatchCodec.read(message, header) == ChangeBatchCodec.OK && header.count > 0) {
            apply(message, origin, BITTORRENT_ONLY);
        }
    }

    /** Resyncs waiting or under way (any thread). */
    public int pendingResyncs() {
        return resyncs.pending();
    }

    /**
     * Stops publishing and capturing, tells the other nodes this node leaves (so they drop its
     * peers at once instead of after 3 x heartbeat; at most a second's wait), and closes the
     * Redis connections.
     */
    @Override
    public void close() {
        running = false;
        LockSupport.unpark(publisher);
        try {
            publisher.join(3_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        collector.stop();
        relays.close();
        resyncs.close();
        if (!publisher.isAlive() && link.up()) {
            writer.begin(++sequence, ChangeBatchCodec.FLAG_LEAVING);
            try {
                link.publish(writer.finish()).toCompletableFuture().get(1, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.debug("cluster: could not say goodbye ({}); the others notice in 3 x heartbeat", e.toString());
            }
        }
        link.close();
    }
}
