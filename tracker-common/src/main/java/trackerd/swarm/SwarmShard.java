package trackerd.swarm;

import java.security.SecureRandom;
import trackerd.net.InfoHashes;

/**
 * The swarm rules over the torrents of one shard. Only on the owning swarm worker's thread:
 * no locks, no volatile peer data.
 *
 * <ul>
 *   <li>A BitTorrent peer is its address and port; IPv4 and IPv6 peers live apart and are
 *       only handed peers of their own family.
 *   <li>{@code stopped} removes the peer; {@code completed} makes it a seeder and counts one
 *       download unless it already was a seeder.
 *   <li>Reply peers: random, never the asker, at most min(numwant, max_response_peers); a
 *       seeder gets leechers only.
 *   <li>Peers expire after the peer timeout. A torrent whose last peer leaves is dropped at once,
 *       unless it has a completed count: then it stays, without peers and still counted against
 *       {@code limits.max_torrents}, for one peer timeout after it went empty, so its downloads
 *       survive a swarm that empties for a while (the cleaning pass drops it then).
 *   <li>A {@linkplain #purge purge} (access list reloaded) removes the torrents it names during
 *       the next cleaning pass, in the same short slices.
 * </ul>
 */
public final class SwarmShard {
    private final TorrentTable table = new TorrentTable();
    private final PeerStore store4;
    private final PeerStore store6;
    private final NewTorrentBudget newTorrents;
    private final int timeoutTicks;
    private long random;

    // kept up to date on every change, never scanned
    private long peers4;
    private long seeders4;
    private long peers6;
    private long seeders6;
    private long rejectedTorrents;
    private long rejectedPeers;
    private long rejectedShardPeers;
    private long expiredPeers;

    private long purgedTorrents;
    private long emptyTorrentsDropped;
    private long completedTotal;

    private int cleanCursor = -1;
    /** Torrents to remove during the next cleaning pass; null when there is nothing to purge. */
    private InfoHashFilter purge;
    private boolean purgeStarted;
    private final int maxTorrents;
    private final int maxPeersPerTorrent;
    private final long maxPeersPerShard;
    private final int defaultNumwant;
    private final int maxResponsePeers;
    private final WsSwarms ws;
    /** Cleaning: the BitTorrent table's pass is done, the WebTorrent table's is under way. */
    private boolean cleaningWs;

    /** @param shards how many shards share {@code limits.max_torrents} */
    public SwarmShard(SwarmSettings settings, int shards) {
        this.maxTorrents = settings.maxTorrentsPerShard(shards);
        this.maxPeersPerTorrent = settings.limits().maxPeersPerTorrent();
        this.maxPeersPerShard = settings.maxPeersPerShard(shards);
        this.defaultNumwant = settings.swarm().defaultNumwant();
        this.maxResponsePeers = settings.swarm().maxResponsePeers();
        SecureRandom seeds = new SecureRandom();
        store4 = new PeerStore(1, seeds.nextLong());
        store6 = new PeerStore(3, seeds.nextLong());
        random = seeds.nextLong();
        ws = new WsSwarms(maxPeersPerTorrent, (settings.swarm().peerTimeoutSeconds() + PeerStore.TICK_SECONDS - 1)
            / PeerStore.TICK_SECONDS + 1, seeds.nextLong());
        newTorrents = new NewTorrentBudget(settings.newTorrentBurstPerShard(shards),
            settings.newTorrentsPerSecondPerShard(shards), seeds.nextLong());
        timeoutTicks = (settings.swarm().peerTimeoutSeconds() + PeerStore.TICK_SECONDS - 1) / PeerStore.TICK_SECONDS + 1;
    }

    /** The tick {@link #announce} and {@link #cleanSlice} take, from seconds since start. */
    public static int tick(long nowSeconds) {
        return (int) (nowSeconds / PeerStore.TICK_SECONDS) & PeerStore.TICK_MASK;
    }

    /** SplitMix64: cheap, allocation-free, good enough to pick reply windows. */
    private long nextRandom() {
        return InfoHashes.mix(random += 0x9E3779B97F4A7C15L);
    }

    /** Answers one announce into the request's result fields. */
    public void announce(SwarmRequest r, int tick) {
        r.peerCount = 0;
        if (r.webTorrent) {
            // WS peers count 4 units against the shard's peer bound: a record is four words
            ws.announce(r, tick, table.size() + ws.torrents() >= maxTorrents,
                peers4 + 3 * peers6 + 4 * ws.peers() >= maxPeersPerShard, newTorrents, nextRandom());
            if (r.status == RequestStatus.TOO_MANY_TORRENTS) rejectedTorrents++;
            if (r.status == RequestStatus.TOO_MANY_PEERS) rejectedPeers++;
            if (r.status == RequestStatus.TRACKER_FULL_OF_PEERS) rejectedShardPeers++;
            return;
        }
        PeerStore store = r.ipv6 ? store6 : store4;
        long k0 = r.ipv6 ? r.address0 : 0;
        long k1 = r.ipv6 ? r.address1 : 0;
        long key = r.ipv6 ? ((long) r.port << 16)
            : ((r.address0 & 0xFFFF_FFFFL) << 32) | ((long) r.port << 16);
        int t = table.find(r.infoHash0, r.infoHash1, r.infoHash2);

        if (r.event == AnnounceEvent.STOPPED) {
            if (t >= 0) {
                long[] left = store.remove(table.peers(t, r.ipv6), k0, k1, key);
                account(r.ipv6, -(store.removedSeeders + store.removedLeechers), -store.removedSeeders);
                table.setPeers(t, r.ipv6, left);
                if (!table.hasPeers(t) && !keepIfCompleted(t, tick)) t = -1;
            }
            fillCounts(r, t);
            return;
        }

        boolean created = false;
        if (t < 0) {
            if (table.size() + ws.torrents() >= maxTorrents) {
                rejectedTorrents++;
                r.status = RequestStatus.TOO_MANY_TORRENTS;
                return;
            }
            if (!newTorrents.tryTake(r.ipv6, r.address0, tick)) {
                r.status = RequestStatus.TOO_MANY_NEW_TORRENTS;
                return;
            }
            t = table.insert(r.infoHash0, r.infoHash1, r.infoHash2);
            if (t < 0) { // a segment at its largest: only far past any heap-derived bound
                rejectedTorrents++;
                r.status = RequestStatus.TOO_MANY_TORRENTS;
                return;
            }
            created = true;
        }
        boolean seeder = r.seeder || r.event == AnnounceEvent.COMPLETED;
        // with the shard's peers at their bound only known peers get in: a cap of 0 refuses every new one
        boolean shardFull = peers4 + 3 * peers6 + 4 * ws.peers() >= maxPeersPerShard;
        long[] peers = store.upsert(table.peers(t, r.ipv6), k0, k1, key, seeder, tick,
            shardFull ? 0 : maxPeersPerTorrent);
        int previous = store.previous;
        if (previous == PeerStore.REFUSED_FULL) {
            if (created) table.remove(t);
            if (shardFull) {
                rejectedShardPeers++;
                r.status = RequestStatus.TRACKER_FULL_OF_PEERS;
            } else {
                rejectedPeers++;
                r.status = RequestStatus.TOO_MANY_PEERS;
            }
            return;
        }
        table.setPeers(t, r.ipv6, peers);
        if (previous == PeerStore.NEW) {
            account(r.ipv6, 1, seeder ? 1 : 0);
        } else if ((previous == PeerStore.WAS_SEEDER) != seeder) {
            account(r.ipv6, 0, seeder ? 1 : -1);
        }
        if (r.event == AnnounceEvent.COMPLETED && previous != PeerStore.WAS_SEEDER) {
            table.countCompleted(t);
            completedTotal++;
        }
        int want = Math.min(r.numwant < 0 ? defaultNumwant : r.numwant, maxResponsePeers);
        r.peerCount = store.select(peers, k0, k1, key, seeder, want, r.peers, 0, nextRandom());
        fillCounts(r, t);
    }

    /**
     * Answers the hashes of a scrape that belong to shard {@code shardIndex} (all of them when
     * the engine has one shard); the other shards write the other results of the same block.
     */
    public void scrape(ScrapeBlock block, int shardIndex) {
        scrape(block, shardIndex, false);
    }

    /** As {@link #scrape(ScrapeBlock, int)}, of the WebTorrent swarms when {@code webTorrent}. */
    public void scrape(ScrapeBlock block, int shardIndex, boolean webTorrent) {
        if (webTorrent) {
            ws.scrape(block, shardIndex);
            return;
        }
        for (int i = 0, n = block.count(); i < n; i++) {
            if (block.shardOf(i) != shardIndex) continue;
            int t = table.find(block.hash0(i), block.hash1(i), block.hash2(i));
            if (t < 0) {
                block.setResult(i, 0, 0, 0);
            } else {
                long[] v4 = table.peers(t, false);
                long[] v6 = table.peers(t, true);
                int seeders = PeerStore.seeders(v4) + PeerStore.seeders(v6);
                block.setResult(i, seeders, table.completed(t), PeerStore.count(v4) + PeerStore.count(v6) - seeders);
            }
        }
    }

    /**
     * Hands a slice of this shard to a snapshot: every torrent of whole table segments from
     * {@code fromSegment} on, until about {@code budget} torrents and peers are written, so that a
     * save runs as many short commands between batches of announces ({@link ShardExport}).
     * A torrent with more peers than {@code budget} goes to {@link SwarmSnapshotSink#detached} as
     * a copy. Returns the segment to start the next slice at, or -1 when the shard is done. On
     * the shard's thread; the sink's ages count back from {@code tick}.
     */
    public int exportSlice(int fromSegment, int budget, int tick, SwarmSnapshotSink sink) {
        return ShardExport.slice(table, fromSegment, budget, tick, sink);
    }

    /**
     * Restores one torrent of a snapshot (merged with what the shard holds: peers upserted, the
     * larger completed count kept), under the same limits as announces (max torrents, peers per
     * torrent, the shard's peer bound; not the per-address new-torrent budget). Records are in
     * {@link PeerStore} form, ticks already in this shard's time. {@code emptyTick} >= 0 keeps
     * the torrent without peers (for its completed count) as gone empty at that tick; -1 drops a
     * torrent that ends up without peers. Returns false when the torrent is not held.
     */
    boolean restoreTorrent(long h0, long h1, int h2, int completed, int emptyTick, long[] words4, int count4,
                           long[] words6, int count6) {
        int t = table.find(h0, h1, h2);
        if (t < 0) {
            if (table.size() + ws.torrents() >= maxTorrents || (t = table.insert(h0, h1, h2)) < 0) {
                rejectedTorrents++;
                return false;
            }
            table.setCompleted(t, completed);
        } else if (Integer.compareUnsigned(completed, table.completed(t)) > 0) {
            table.setCompleted(t, completed);
        }
        restorePeers(t, false, store4, words4, count4);
        restorePeers(t, true, store6, words6, count6);
        if (table.hasPeers(t)) return true;
        if (emptyTick >= 0 && table.completed(t) != 0) {
            table.keepEmpty(t, emptyTick);
            return true;
        }
        table.remove(t);
        return false;
    }

    private void restorePeers(int t, boolean ipv6, PeerStore store, long[] words, int count) {
        if (count == 0) return;
        int stride = store.stride;
        long[] peers = table.peers(t, ipv6);
        for (int i = 0; i < count; i++) {
            int base = i * stride;
            long last = words[base + stride - 1];
            long k0 = ipv6 ? words[base] : 0;
            long k1 = ipv6 ? words[base + 1] : 0;
            boolean seeder = (last & PeerStore.SEEDER_BIT) != 0;
            boolean shardFull = peers4 + 3 * peers6 + 4 * ws.peers() >= maxPeersPerShard;
            peers = store.upsert(peers, k0, k1, last & ~0xFFFFL, seeder, (int) last & PeerStore.TICK_MASK,
                shardFull ? 0 : maxPeersPerTorrent);
            int previous = store.previous;
            if (previous == PeerStore.REFUSED_FULL) {
                if (shardFull) rejectedShardPeers++;
                else rejectedPeers++;
            } else if (previous == PeerStore.NEW) {
                account(ipv6, 1, seeder ? 1 : 0);
            } else if ((previous == PeerStore.WAS_SEEDER) != seeder) {
                account(ipv6, 0, seeder ? 1 : -1);
            }
        }
        table.setPeers(t, ipv6, peers);
    }

    /**
     * Hands every torrent's counts to {@code sink}, in table order, until it returns false: for
     * snapshots (an HTTP full scrape), run as a {@link ShardCommand} so it stays on this thread.
     * One pass over the table; it allocates nothing.
     */
    public void forEachTorrent(TorrentCountSink sink) {
        for (int t = table.next(-1); t < TorrentTable.END; t = table.next(t)) {
            if (!table.used(t)) continue;
            long[] v4 = table.peers(t, false);
            long[] v6 = table.peers(t, true);
            int seeders = PeerStore.seeders(v4) + PeerStore.seeders(v6);
            int leechers = PeerStore.count(v4) + PeerStore.count(v6) - seeders;
            if (!sink.accept(table.hash0(t), table.hash1(t), table.hash2(t), seeders, table.completed(t), leechers)) {
                return;
            }
        }
    }

    /**
     * Marks the torrents {@code filter} names for removal during the next cleaning pass (its
     * worker starts one at once), e.g. those a reloaded access list forbids. A later purge
     * replaces one not yet started.
     */
    public void purge(InfoHashFilter filter) {
        purge = filter;
        purgeStarted = false;
    }

    /** A purge waits for a cleaning pass to start. */
    boolean purgePending() {
        return purge != null && !purgeStarted;
    }

    private void fillCounts(SwarmRequest r, int t) {
        if (t < 0) {
            r.seeders = 0;
            r.leechers = 0;
            r.completed = 0;
            return;
        }
        long[] v4 = table.peers(t, false);
        long[] v6 = table.peers(t, true);
        int seeders = PeerStore.seeders(v4) + PeerStore.seeders(v6);
        r.seeders = seeders;
        r.leechers = PeerStore.count(v4) + PeerStore.count(v6) - seeders;
        r.completed = table.completed(t);
    }

    /**
     * A torrent without peers: kept (marked with the tick it went empty) when it has a completed
     * count, else removed. Returns true when kept; after a removal the slot numbers change.
     */
    private boolean keepIfCompleted(int t, int tick) {
        if (table.completed(t) != 0) {
            table.keepEmpty(t, tick);
            return true;
        }
        table.remove(t);
        return false;
    }

    private void account(boolean ipv6, long peers, long seeders) {
        if (ipv6) {
            peers6 += peers;
            seeders6 += seeders;
        } else {
            peers4 += peers;
            seeders4 += seeders;
        }
    }

    /**
     * Walks on through the table removing expired peers, visiting about {@code budget} peers,
     * so a pass over millions of peers is spread over many short slices. Returns true when the
     * pass has reached the end (the next call starts a new pass).
     */
    public boolean cleanSlice(int tick, int budget) {
        if (cleaningWs) {
            if (!ws.cleanSlice(tick, budget, purgeStarted ? purge : null)) return false;
            cleaningWs = false;
            if (purgeStarted) purge = null;
            return true;
        }
        if (cleanCursor < 0) {
            cleanCursor = table.next(-1);
            purgeStarted = purge != null;
        }
        InfoHashFilter purging = purgeStarted ? purge : null;
        int spent = 0;
        while (cleanCursor < TorrentTable.END && spent < budget) {
            int t = cleanCursor;
            if (!table.used(t)) {
                cleanCursor = table.next(t);
                spent++;
                continue;
            }
            spent += PeerStore.count(table.peers(t, false)) + PeerStore.count(table.peers(t, true)) + 1;
            if (purging != null && purging.matches(table.hash0(t), table.hash1(t), table.hash2(t))) {
                drop(t);
                continue; // a later torrent may have shifted into t
            }
            int emptySince = table.emptySince(t);
            if (emptySince >= 0) { // kept for its completed count: until a peer timeout after it emptied
                if (((tick - emptySince) & PeerStore.TICK_MASK) >= timeoutTicks) {
                    table.remove(t); // shifts a later torrent into t: look at t again
                    emptyTorrentsDropped++;
                } else {
                    cleanCursor = table.next(t);
                }
                continue;
            }
            table.setPeers(t, false, expire(store4, table.peers(t, false), tick, false));
            table.setPeers(t, true, expire(store6, table.peers(t, true), tick, true));
            if (table.hasPeers(t) || keepIfCompleted(t, tick)) {
                cleanCursor = table.next(t);
            } // else removed: a later torrent may have shifted into t, look at t again
        }
        if (cleanCursor >= TorrentTable.END) {
            cleanCursor = -1;
            // the WebTorrent swarms are cleaned next, in slices of their own, with the same purge
            cleaningWs = true;
            if (purging == null || purge != purging) purgeStarted = false;
        }
        return false;
    }

    /**
     * A WebTorrent connection closed on event loop {@code loop}: its peers in the torrents
     * {@code hashes} names (three words per info hash, {@code count} of them) leave at once.
     */
    public void dropWsConnection(int loop, long connection, long[] hashes, int count) {
        ws.dropConnection(loop, connection, hashes, count);
    }

    public int wsTorrents() {
        return ws.torrents();
    }

    public long wsPeers() {
        return ws.peers();
    }

    public long wsSeeders() {
        return ws.seeders();
    }

    /** Offers relayed (one per recipient), answers relayed, answers refused (no pending offer). */
    public long wsRelayedOffers() {
        return ws.relayedOffers();
    }

    public long wsRelayedAnswers() {
        return ws.relayedAnswers();
    }

    public long wsRefusedAnswers() {
        return ws.refusedAnswers();
    }

    public long wsExpiredPeers() {
        return ws.expired();
    }

    /** Removes a torrent with all its peers (purge). */
    private void drop(int t) {
        long[] v4 = table.peers(t, false);
        long[] v6 = table.peers(t, true);
        int s4 = PeerStore.seeders(v4);
        int s6 = PeerStore.seeders(v6);
        account(false, -PeerStore.count(v4), -s4);
        account(true, -PeerStore.count(v6), -s6);
        table.remove(t);
        purgedTorrents++;
    }

    private long[] expire(PeerStore store, long[] peers, int tick, boolean ipv6) {
        if (peers == null) return null;
        long[] left = store.expire(peers, tick, timeoutTicks);
        int removed = store.removedSeeders + store.removedLeechers;
        if (removed > 0) {
            account(ipv6, -removed, -store.removedSeeders);
            expiredPeers += removed;
        }
        return left;
    }

    public int torrents() {
        return table.size();
    }

    public long peers(boolean ipv6) {
        return ipv6 ? peers6 : peers4;
    }

    public long seeders(boolean ipv6) {
        return ipv6 ? seeders6 : seeders4;
    }

    public long rejectedTorrents() {
        return rejectedTorrents;
    }

    /** New peers refused by max_peers_per_torrent. */
    public long rejectedPeers() {
        return rejectedPeers;
    }

    /** Downloads counted since start (announces with event=completed from a non-seeder). */
    public long completedTotal() {
        return completedTotal;
    }

    /** Torrents removed by purges. */
    public long purgedTorrents() {
        return purgedTorrents;
    }

    /** New peers refused because the shard held its share of max_peers. */
    public long rejectedShardPeers() {
        return rejectedShardPeers;
    }

    /** New torrents refused by the per-address budget. */
    public long rejectedNewTorrents() {
        return newTorrents.refused();
    }

    public long expiredPeers() {
        return expiredPeers;
    }

    /** Torrents kept without peers (for their completed count) that the cleaning pass dropped. */
    public long emptyTorrentsDropped() {
        return emptyTorrentsDropped;
    }
}
