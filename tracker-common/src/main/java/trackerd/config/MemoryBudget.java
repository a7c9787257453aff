package trackerd.config;

import java.util.Locale;

/**
 * Bounds on what clients can make the tracker hold, derived from the heap the JVM was given
 * ({@code -Xmx}, {@link Runtime#maxMemory()}), so that no client can run it out of memory
 * whatever the heap. Each structure clients grow gets a share of the heap and a cost per item;
 * its bound is share × heap / cost. A later bound (HTTP/WS connections, pending offers) takes a
 * share of its own through {@link #count}.
 *
 * <p><b>Why 60 % for swarm state.</b> Torrents and peers live as long as their swarms, so they
 * are the live set. A collector needs free heap to work in: with the live set at 60 % there is
 * 40 % for the young generation and for copying (G1 starts marking at 45 % occupancy and keeps
 * working well up to about 70-75 %; past that come back-to-back full GCs, the "GC storm" that
 * stalls every swarm before the OutOfMemoryError). The rest of the daemon's heap is small and
 * fixed: request slots ({@code workers.queue_capacity} × about 3.5 KiB per socket and swarm
 * worker, about 14 MB each at the default), config, metrics; Netty's buffers are off-heap.
 * Growth needs little on top: the torrent table grows one segment (1/1024 of it) at a time, and
 * a swarm's peer array is bounded by {@link #LARGEST_SWARM_SHARE}.
 *
 * <p><b>Costs</b> (compressed references, i.e. heaps under 32 GiB; measured by
 * {@code scripts/bench-memory}, see docs/benchmarks.md):
 * <ul>
 *   <li>a torrent: a 40-byte table slot at load 0.53 or more = at most {@value #TORRENT_BYTES}
 *       bytes, its first IPv4 peer included (kept inline in the slot). 20 % of the heap.
 *   <li>a peer beyond that: IPv4 8 bytes a record, 32 at worst in a sparse open-addressed swarm
 *       (load 0.25), plus 16 bytes of array header per torrent and family. Charged
 *       {@value #PEER_BYTES} bytes; an IPv6 record is three words and counts as 3 peers against
 *       the shard's bound, so the worst shape of either family stays within the charge. 40 % of
 *       the heap. A public tracker's mix costs far less (17.8 bytes a peer at 1 M peers over
 *       100 k Zipf torrents), so this bound is hit only by a flood.
 *   <li>the largest swarm: rebuilding its open-addressed array holds the old (load 0.8) and the
 *       new (load 0.53) at once, at most {@value #LARGEST_SWARM_PEER_BYTES} bytes a peer for
 *       IPv6; kept to 5 % of the heap so that one swarm's growth cannot tip the heap over.
 * </ul>
 *
 * <p>What that gives: 256 MiB heap: 671,088 torrents, 3,355,443 peers, 167,772 per torrent;
 * 1 GiB: 2,684,354 / 13,421,772 / 671,088; 8 GiB: 21,474,836 / 107,374,182 / 5,368,709
 * (the JVM reports a little less than {@code -Xmx} as its max heap, so the logged figures are a
 * few percent lower). Immutable.
 */
public final class MemoryBudget {
    static final double TORRENT_SHARE = 0.20;
    static final double PEER_SHARE = 0.40;
    static final double LARGEST_SWARM_SHARE = 0.05;
    static final int TORRENT_BYTES = 80;
    static final int PEER_BYTES = 32;
    static final int LARGEST_SWARM_PEER_BYTES = 80;

    private final long heapBytes;

    /** @param heapBytes the most heap the JVM will use ({@link Runtime#maxMemory()}) */
    public MemoryBudget(long heapBytes) {
        if (heapBytes <= 0) throw new IllegalArgumentException("heap bytes must be positive: " + heapBytes);
        this.heapBytes = heapBytes;
    }

    public static MemoryBudget ofThisJvm() {
        return new MemoryBudget(Runtime.getRuntime().maxMemory());
    }

    public long heapBytes() {
        return heapBytes;
    }

    /** How many items of {@code bytesEach} fit in {@code share} of the heap: at least 1, at most 2^31-1. */
    public int count(double share, int bytesEach) {
        return (int) Math.max(1, Math.min(Integer.MAX_VALUE, (long) (heapBytes * share / bytesEach)));
    }

    public int maxTorrents() {
        return count(TORRENT_SHARE, TORRENT_BYTES);
    }

    /** Across all shards, in IPv4-peer units (an IPv6 peer counts 3). */
    public int maxPeers() {
        return count(PEER_SHARE, PEER_BYTES);
    }

    public int maxPeersPerTorrent() {
        return Math.min(maxPeers(), count(LARGEST_SWARM_SHARE, LARGEST_SWARM_PEER_BYTES));
    }

    /** The limits with every 0 (derive from the heap) replaced by its derived value. */
    public TrackerConfig.Limits resolve(TrackerConfig.Limits limits) {
        return new TrackerConfig.Limits(
            limits.maxTorrents() > 0 ? limits.maxTorrents() : maxTorrents(),
            limits.maxPeersPerTorrent() > 0 ? limits.maxPeersPerTorrent() : maxPeersPerTorrent(),
            limits.maxScrapeHashes(),
            limits.maxPeers() > 0 ? limits.maxPeers() : maxPeers(),
            limits.newTorrentsPerAddressBurst(), limits.newTorrentsPerAddressPerSecond());
    }

    /** One log line: the limits in force and which of them were derived from this heap. */
    public String describe(TrackerConfig.Limits configured) {
        TrackerConfig.Limits resolved = resolve(configured);
        return String.format(Locale.ROOT,
            "limits for a %d MiB heap: max_torrents %,d%s, max_peers %,d%s, max_peers_per_torrent %,d%s",
            heapBytes >> 20,
            resolved.maxTorrents(), configured.maxTorrents() > 0 ? " (configured)" : " (derived)",
            resolved.maxPeers(), configured.maxPeers() > 0 ? " (configured)" : " (derived)",
            resolved.maxPeersPerTorrent(), configured.maxPeersPerTorrent() > 0 ? " (configured)" : " (derived)");
    }
}
