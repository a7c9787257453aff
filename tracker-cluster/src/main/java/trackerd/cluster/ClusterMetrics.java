package trackerd.cluster;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of the cluster sync, written by the publisher thread and the Redis client's thread
 * (a few times per publish interval, never per request: atomics are cheap enough here) and read
 * by Micrometer at scrape time.
 */
final class ClusterMetrics {
    final AtomicLong messagesOut = new AtomicLong();
    final AtomicLong changesOut = new AtomicLong();
    final AtomicLong bytesOut = new AtomicLong();
    final AtomicLong publishFailures = new AtomicLong();
    final AtomicLong messagesIn = new AtomicLong();
    final AtomicLong changesIn = new AtomicLong();
    final AtomicLong bytesIn = new AtomicLong();
    final AtomicLong badMessages = new AtomicLong();
    /** A node's stream had a gap, a LOST flag, or a batch we could not queue: it needs a resync. */
    final AtomicLong resyncsNeeded = new AtomicLong();
    /** Batches a full shard inbox refused. */
    final AtomicLong applyRefused = new AtomicLong();
    final AtomicLong nodesLost = new AtomicLong();
    final AtomicLong redisUp = new AtomicLong();
    final AtomicLong nodes = new AtomicLong();

    ClusterMetrics(MeterRegistry registry) {
        counter(registry, "tracker_cluster_messages", "Cluster messages (change batches and heartbeats)", messagesOut, "out");
        counter(registry, "tracker_cluster_messages", "Cluster messages (change batches and heartbeats)", messagesIn, "in");
        counter(registry, "tracker_cluster_changes", "Peer changes sent to or received from other nodes", changesOut, "out");
        counter(registry, "tracker_cluster_changes", "Peer changes sent to or received from other nodes", changesIn, "in");
        counter(registry, "tracker_cluster_bytes", "Bytes of cluster messages (payload, without Redis framing)", bytesOut, "out");
        counter(registry, "tracker_cluster_bytes", "Bytes of cluster messages (payload, without Redis framing)", bytesIn, "in");
        FunctionCounter.builder("tracker_cluster_publish_failures", publishFailures, AtomicLong::get)
            .description("Publishes that failed or found Redis down (the others see a gap)").register(registry);
        FunctionCounter.builder("tracker_cluster_bad_messages", badMessages, AtomicLong::get)
            .description("Messages from Redis that did not decode (ignored)").register(registry);
        FunctionCounter.builder("tracker_cluster_resyncs_needed", resyncsNeeded, AtomicLong::get)
            .description("Times another node's stream had a gap or lost changes").register(registry);
        FunctionCounter.builder("tracker_cluster_apply_refused", applyRefused, AtomicLong::get)
            .description("Remote batches a full shard inbox refused").register(registry);
        FunctionCounter.builder("tracker_cluster_nodes_lost", nodesLost, AtomicLong::get)
            .description("Nodes that stopped heartbeating (their peers were removed)").register(registry);
        Gauge.builder("tracker_cluster_redis_up", redisUp, AtomicLong::get)
            .description("1 while this node's Redis connections are up").register(registry);
        Gauge.builder("tracker_cluster_nodes", nodes, AtomicLong::get)
            .description("Other nodes heard from and not lost").register(registry);
    }

    private static void counter(MeterRegistry registry, String name, String description, AtomicLong value,
                                String direction) {
        FunctionCounter.builder(name, value, AtomicLong::get).description(description).tag("direction", direction)
            .register(registry);
    }
}
