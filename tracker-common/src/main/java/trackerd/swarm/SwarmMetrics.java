package trackerd.swarm;

import trackerd.metrics.MetricBank;
import trackerd.metrics.MetricWriter;

/**
 * What one swarm worker reports: its shard's sizes as gauges and its cumulative counts as
 * counters, written once per batch into the worker's own {@link MetricWriter}.
 */
final class SwarmMetrics {
    /** Metric indexes, defined once for all workers. */
    static final class Definitions {
        final int torrents;
        final int seeders4;
        final int leechers4;
        final int seeders6;
        final int leechers6;
        final int rejectedTorrents;
        final int rejectedPeers;
        final int rejectedShardPeers;
        final int rejectedNewTorrents;
        final int expired;
        final int purged;
        final int internalErrors;
        final int completed;
        final int wsTorrents;
        final int wsSeeders;
        final int wsLeechers;
        final int wsExpired;
        final int wsOffersRelayed;
        final int wsAnswersRelayed;
        final int wsAnswersRefused;

        Definitions(MetricBank bank) {
            torrents = bank.gauge("tracker_torrents", "Torrents held, by swarm kind", "swarm_kind", "bittorrent");
            String peers = "Peers in all swarms, by swarm kind, IP version and seeder/leecher";
            seeders4 = bank.gauge("tracker_peers", peers, "swarm_kind", "bittorrent", "ip_version", "4",
                "status", "seeder");
            leechers4 = bank.gauge("tracker_peers", peers, "swarm_kind", "bittorrent", "ip_version", "4",
                "status", "leecher");
            seeders6 = bank.gauge("tracker_peers", peers, "swarm_kind", "bittorrent", "ip_version", "6",
                "status", "seeder");
            leechers6 = bank.gauge("tracker_peers", peers, "swarm_kind", "bittorrent", "ip_version", "6",
                "status", "leecher");
            String rejected = "Announces refused because a limit was reached";
            rejectedTorrents = bank.counter("tracker_swarm_rejected", rejected, "limit", "max_torrents");
            rejectedPeers = bank.counter("tracker_swarm_rejected", rejected, "limit", "max_peers_per_torrent");
            rejectedShardPeers = bank.counter("tracker_swarm_rejected", rejected, "limit", "max_peers");
            rejectedNewTorrents = bank.counter("tracker_swarm_rejected", rejected, "limit", "new_torrents_per_address");
            expired = bank.counter("tracker_peers_expired", "Peers removed after the peer timeout");
            purged = bank.counter("tracker_torrents_purged",
                "Torrents removed because a reloaded access list forbids them");
            completed = bank.counter("tracker_completed", "Downloads completed (announces with event=completed)",
                "swarm_kind", "bittorrent");
            internalErrors = bank.counter("tracker_swarm_internal_errors",
                "Requests, commands or cycles a swarm worker failed on (a bug: counted, the worker goes on)");
            wsTorrents = bank.gauge("tracker_torrents", "Torrents held, by swarm kind", "swarm_kind", "webtorrent");
            // browsers pick their own WebRTC addresses: the tracker knows no IP version of a WebTorrent peer
            wsSeeders = bank.gauge("tracker_peers", peers, "swarm_kind", "webtorrent", "ip_version", "none",
                "status", "seeder");
            wsLeechers = bank.gauge("tracker_peers", peers, "swarm_kind", "webtorrent", "ip_version", "none",
                "status", "leecher");
            wsExpired = bank.counter("tracker_ws_peers_expired", "WebTorrent peers removed after the peer timeout");
            wsOffersRelayed = bank.counter("tracker_ws_offers_routed",
                "WebRTC offers the swarms gave a recipient (one per recipient; delivery is counted by the loops)");
            wsAnswersRelayed = bank.counter("tracker_ws_answers_routed",
                "WebRTC answers the swarms let through to a waiting offerer");
            wsAnswersRefused = bank.counter("tracker_ws_answers_refused",
                "WebRTC answers refused: no pending offer of that offer_id from that offerer to this answerer");
        }
    }

    private final Definitions d;
    private final MetricWriter w;
    private long internalErrors;

    SwarmMetrics(Definitions definitions, MetricWriter writer) {
        d = definitions;
        w = writer;
    }

    /** On the swarm thread, once per batch. */
    void publish(SwarmShard shard) {
        w.set(d.torrents, shard.torrents());
        w.set(d.seeders4, shard.seeders(false));
        w.set(d.leechers4, shard.peers(false) - shard.seeders(false));
        w.set(d.seeders6, shard.seeders(true));
        w.set(d.leechers6, shard.peers(true) - shard.seeders(true));
        w.set(d.rejectedTorrents, shard.rejectedTorrents());
        w.set(d.rejectedPeers, shard.rejectedPeers());
        w.set(d.rejectedShardPeers, shard.rejectedShardPeers());
        w.set(d.rejectedNewTorrents, shard.rejectedNewTorrents());
        w.set(d.expired, shard.expiredPeers());
        w.set(d.purged, shard.purgedTorrents());
        w.set(d.completed, shard.completedTotal());
        w.set(d.internalErrors, internalErrors);
        w.set(d.wsTorrents, shard.wsTorrents());
        w.set(d.wsSeeders, shard.wsSeeders());
        w.set(d.wsLeechers, shard.wsPeers() - shard.wsSeeders());
        w.set(d.wsExpired, shard.wsExpiredPeers());
        w.set(d.wsOffersRelayed, shard.wsRelayedOffers());
        w.set(d.wsAnswersRelayed, shard.wsRelayedAnswers());
        w.set(d.wsAnswersRefused, shard.wsRefusedAnswers());
    }

    void internalError() {
        internalErrors++;
    }
}
