package trackerd.cluster;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters of the snapshots a node keeps in Redis and of the resyncs it makes from the others'
 * (issue 14). Written by the publisher and the resync thread a few times per save or resync,
 * read by Micrometer at scrape time.
 */
final class ResyncMetrics {
    final AtomicLong snapshotsSaved = new AtomicLong();
    final AtomicLong snapshotsFailed = new AtomicLong();
    final AtomicLong snapshotBytes = new AtomicLong(-1);
    final AtomicLong snapshotPeers = new AtomicLong(-1);
    /** Nanoseconds of the last save, from the first slice to Redis' answer. */
    final AtomicLong snapshotNanos = new AtomicLong(-1);
    /** Nanoseconds of the longest slice a shard spent encoding in the last save: what it held announces up. */
    final AtomicLong snapshotLongestSliceNanos = new AtomicLong(-1);
    /** CPU nanoseconds of the slice that took the most CPU in the last save (wall time counts waiting for a core). */
    final AtomicLong snapshotLongestSliceCpuNanos = new AtomicLong(-1);
    final AtomicLong resyncsDone = new AtomicLong();
    final AtomicLong resyncsFailed = new AtomicLong();
    final AtomicLong resyncPeers = new AtomicLong();
    /** Nanoseconds of the last resync, from its start to the live stream applied after it. */
    final AtomicLong resyncNanos = new AtomicLong(-1);

    ResyncMetrics(MeterRegistry registry) {
        FunctionCounter.builder("tracker_cluster_snapshots", snapshotsSaved, AtomicLong::get).tag("result", "ok")
            .description("Snapshots of this node's own peers written to Redis").register(registry);
        FunctionCounter.builder("tracker_cluster_snapshots", snapshotsFailed, AtomicLong::get).tag("result", "failed")
            .description("Snapshots of this node's own peers written to Redis").register(registry);
        Gauge.builder("tracker_cluster_snapshot_bytes", snapshotBytes, AtomicLong::get)
            .description("Size of the last snapshot written to Redis (-1 before one)").register(registry);
        Gauge.builder("tracker_cluster_snapshot_peers", snapshotPeers, AtomicLong::get)
            .description("Peers in the last snapshot written to Redis (-1 before one)").register(registry);
        Gauge.builder("tracker_cluster_snapshot_duration_seconds", snapshotNanos, n -> n.get() < 0 ? Double.NaN : n.get() / 1e9)
            .description("How long the last snapshot save took (slices and the write to Redis)").register(registry);
        Gauge.builder("tracker_cluster_snapshot_longest_slice_seconds", snapshotLongestSliceNanos,
                n -> n.get() < 0 ? Double.NaN : n.get() / 1e9)
            .description("Longest slice a swarm worker spent encoding in the last snapshot save: the most it held announces up")
            .register(registry);
        Gauge.builder("tracker_cluster_snapshot_longest_slice_cpu_seconds", snapshotLongestSliceCpuNanos,
                n -> n.get() < 0 ? Double.NaN : n.get() / 1e9)
            .description("CPU time of the costliest slice of the last snapshot save").register(registry);
        FunctionCounter.builder("tracker_cluster_resyncs", resyncsDone, AtomicLong::get).tag("result", "ok")
            .description("Resyncs from another node's snapshot").register(registry);
        FunctionCounter.builder("tracker_cluster_resyncs", resyncsFailed, AtomicLong::get).tag("result", "failed")
            .description("Resyncs from another node's snapshot").register(registry);
        FunctionCounter.builder("tracker_cluster_resync_peers", resyncPeers, AtomicLong::get)
            .description("Peers read from other nodes' snapshots").register(registry);
        Gauge.builder("tracker_cluster_resync_duration_seconds", resyncNanos, n -> n.get() < 0 ? Double.NaN : n.get() / 1e9)
            .description("How long the last resync took (waiting for the snapshot, loading and applying it)")
            .register(registry);
    }
}
