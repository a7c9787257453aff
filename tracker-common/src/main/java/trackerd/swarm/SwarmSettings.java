package trackerd.swarm;

import trackerd.config.TrackerConfig;

/** What the swarm rules need from the config, per shard. */
public record SwarmSettings(
        int peerTimeoutSeconds, int defaultNumwant, int maxResponsePeers, int maxTorrentsPerShard,
        int maxPeersPerTorrent, int maxScrapeHashes, int cleaningIntervalSeconds, int announceIntervalSeconds,
        int minAnnounceIntervalSeconds) {

    public static SwarmSettings from(TrackerConfig config) {
        int shards = Math.max(1, config.workers().swarmWorkers()); // 0 = inline: one shard
        return new SwarmSettings(
            config.swarm().peerTimeoutSeconds(), config.swarm().defaultNumwant(), config.swarm().maxResponsePeers(),
            (int) Math.max(1, ((long) config.limits().maxTorrents() + shards - 1) / shards),
            config.limits().maxPeersPerTorrent(), config.limits().maxScrapeHashes(),
            config.swarm().cleaningIntervalSeconds(), config.swarm().announceIntervalSeconds(),
            config.swarm().minAnnounceIntervalSeconds());
    }
}
