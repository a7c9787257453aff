package trackerd.swarm;

import trackerd.config.TrackerConfig;

/**
 * What the swarm rules read from the config: its {@code [swarm]} and {@code [limits]} sections,
 * nothing else.
 */
public record SwarmSettings(TrackerConfig.Swarm swarm, TrackerConfig.Limits limits) {

    /** Torrents one of {@code shards} shards may hold: {@code limits.max_torrents} split evenly. */
    public int maxTorrentsPerShard(int shards) {
        return (int) Math.max(1, ((long) limits.maxTorrents() + shards - 1) / shards);
    }
}
