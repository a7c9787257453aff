package trackerd.stats;

import java.util.List;

/**
 * What the stats page and {@code /stats.json} show, taken once a second by {@link TrackerStats}'s
 * timer; both renderings of one snapshot carry the same numbers. Immutable.
 *
 * @param version the tracker's version
 * @param uptimeSeconds seconds since the process started
 * @param takenAtEpochSeconds wall-clock time of the snapshot (seconds since the Unix epoch)
 * @param rates requests per second by protocol, protocols by name
 * @param torrents torrents held by swarm kind (bittorrent, webtorrent)
 * @param peers peers by swarm kind, IP version and status
 * @param completed downloads completed by swarm kind, since start
 * @param topTorrents the torrents with the most peers, most first (empty until the first walk ends)
 * @param topAgeSeconds seconds since the swarm workers walked their shards for {@code topTorrents};
 *     -1 before the first walk
 */
public record StatsSnapshot(String version, long uptimeSeconds, long takenAtEpochSeconds, List<ProtocolRate> rates,
                            List<KindCount> torrents, List<PeerCount> peers, List<KindCount> completed,
                            List<TopTorrent> topTorrents, long topAgeSeconds) {

    /**
     * Requests of one protocol (every type and IP version).
     *
     * @param lastMinute mean requests per second over the last 60 seconds (fewer just after start),
     *     rounded to 2 decimals
     * @param lastSecond requests in the last whole second sampled
     * @param perSecond requests in each of the last seconds, oldest first (at most 60)
     */
    public record ProtocolRate(String protocol, double lastMinute, long lastSecond, long[] perSecond) {}

    /** A count for one swarm kind. */
    public record KindCount(String swarmKind, long count) {}

    /** Peers of one swarm kind, IP version ("4", "6") and status ("seeder", "leecher"). */
    public record PeerCount(String swarmKind, String ipVersion, String status, long count) {}

    /** One torrent of the top list: hex info hash and its counts. */
    public record TopTorrent(String infoHash, int seeders, int leechers, int completed) {
        long peers() {
            return (long) seeders + leechers;
        }
    }
}
