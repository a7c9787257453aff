package trackerd.swarm;

import trackerd.config.MemoryBudget;
import trackerd.config.TrackerConfig;

/**
 * What the swarm rules need from the config, per shard, with the limits that the config leaves
 * at 0 derived from the heap ({@link MemoryBudget}).
 *
 * @param maxPeersPerShard this shard's part of {@code limits.max_peers}, in IPv4-peer units (an
 *     IPv6 peer counts 3: its record is three words)
 * @param newTorrentBurst this shard's part of the per-address new-torrent burst; 0 = no budget
 *     ({@link NewTorrentBudget})
 * @param newTorrentsPerSecond this shard's part of the per-address refill
 */
public record SwarmSettings(
        int peerTimeoutSeconds, int defaultNumwant, int maxResponsePeers, int maxTorrentsPerShard,
        int maxPeersPerTorrent, int maxScrapeHashes, int cleaningIntervalSeconds, int announceIntervalSeconds,
        int minAnnounceIntervalSeconds, long maxPeersPerShard, int newTorrentBurst, int newTorrentsPerSecond) {

    /** Without a bound on the shard's peers nor a per-address budget (tests and benchmarks). */
    public SwarmSettings(
            int peerTimeoutSeconds, int defaultNumwant, int maxResponsePeers, int maxTorrentsPerShard,
            int maxPeersPerTorrent, int maxScrapeHashes, int cleaningIntervalSeconds, int announceIntervalSeconds,
            int minAnnounceIntervalSeconds) {
        this(peerTimeoutSeconds, defaultNumwant, maxResponsePeers, maxTorrentsPerShard, maxPeersPerTorrent,
            maxScrapeHashes, cleaningIntervalSeconds, announceIntervalSeconds, minAnnounceIntervalSeconds,
            Long.MAX_VALUE, 0, 0);
    }

    /** With limits at 0 derived from this JVM's heap ({@link MemoryBudget#ofThisJvm()}). */
    public static SwarmSettings from(TrackerConfig config) {
        return from(config, MemoryBudget.ofThisJvm().resolve(config.limits()));
    }

    /** @param limits the config's limits with every 0 resolved ({@link MemoryBudget#resolve}) */
    public static SwarmSettings from(TrackerConfig config, TrackerConfig.Limits limits) {
        int shards = Math.max(1, config.workers().swarmWorkers()); // 0 = inline: one shard
        int torrentsPerShard = (int) Math.max(1, ((long) limits.maxTorrents() + shards - 1) / shards);
        return new SwarmSettings(
            config.swarm().peerTimeoutSeconds(), config.swarm().defaultNumwant(), config.swarm().maxResponsePeers(),
            Math.min(torrentsPerShard, TorrentTable.MAX_TORRENTS),
            limits.maxPeersPerTorrent(), limits.maxScrapeHashes(),
            config.swarm().cleaningIntervalSeconds(), config.swarm().announceIntervalSeconds(),
            config.swarm().minAnnounceIntervalSeconds(),
            Math.max(1, ((long) limits.maxPeers() + shards - 1) / shards),
            perShard(limits.newTorrentsPerAddressBurst(), shards),
            perShard(limits.newTorrentsPerAddressPerSecond(), shards));
    }

    /** A host's info hashes spread evenly over the shards: each shard takes its part, rounded up. */
    private static int perShard(int value, int shards) {
        return (value + shards - 1) / shards;
    }
}
