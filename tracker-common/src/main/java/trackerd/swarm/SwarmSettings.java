package trackerd.swarm;

import trackerd.config.MemoryBudget;
import trackerd.config.TrackerConfig;

/**
 * What the swarm rules read from the config: its {@code [swarm]} and {@code [limits]} sections,
 * nothing else, with the limits that the config leaves at 0 derived from the heap
 * ({@link MemoryBudget#resolve}). Each of the engine's shards takes an even part of the
 * tracker-wide limits.
 */
public record SwarmSettings(TrackerConfig.Swarm swarm, TrackerConfig.Limits limits) {

    /** Limits the config leaves at 0 are derived from this JVM's heap ({@link MemoryBudget#ofThisJvm()}). */
    public SwarmSettings {
        limits = MemoryBudget.ofThisJvm().resolve(limits);
    }

    /** Torrents one of {@code shards} shards may hold: {@code limits.max_torrents} split evenly. */
    public int maxTorrentsPerShard(int shards) {
        return Math.min(perShard(limits.maxTorrents(), shards), TorrentTable.MAX_TORRENTS);
    }

    /**
     * This shard's part of {@code limits.max_peers}, in IPv4-peer units (an IPv6 peer counts 3: its
     * record is three words).
     */
    public long maxPeersPerShard(int shards) {
        return Math.max(1, ((long) limits.maxPeers() + shards - 1) / shards);
    }

    /** This shard's part of the per-address new-torrent burst; 0 = no budget ({@link NewTorrentBudget}). */
    public int newTorrentBurstPerShard(int shards) {
        return perShard(limits.newTorrentsPerAddressBurst(), shards);
    }

    /** This shard's part of the per-address refill per second. */
    public int newTorrentsPerSecondPerShard(int shards) {
        return perShard(limits.newTorrentsPerAddressPerSecond(), shards);
    }

    /** A host's info hashes spread evenly over the shards: each shard takes its part, rounded up. */
    private static int perShard(int value, int shards) {
        return (int) (((long) value + shards - 1) / shards);
    }
}
