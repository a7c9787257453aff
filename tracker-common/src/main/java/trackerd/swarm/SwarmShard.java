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
    /** Largest origin index of a remote peer ({@link #applyRemote}). */
    public static final int MAX_ORIGIN = RemotePeers.MAX_ORIGIN;
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

    // cluster (issue 14): see applyRemote and swapChanges
    /** Where this shard's own clients' changes go for the cluster publisher; null when the cluster is off. */
    private ChangeBuffer changes;
    private final RemotePeers remote4;
    private final RemotePeers remote6;
    /** The cleaning pass's sweep over remote4 (family 0) then remote6: position, -1 = not started. */
    private int sweepFamily;
    private int sweepPos = -1;
    private int sweepGrowths;
    /** Origins whose peers are being removed (bit per origin), null when none; see {@link #dropOrigin}. */
    private long[] dropping;
    /** The drop walk over remote4 (family 0) then remote6: position, -1 = not started. */
    private int dropFamily;
    private int dropPos = -1;
    private int dropGrowths;
    private long remoteApplied;
    private long remoteIgnored;
    private long remoteRefused;
    private long remoteDropped;

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
        remote4 = new RemotePeers(false, seeds.nextLong());
        remote6 = new RemotePeers(true, seeds.nextLong());
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
                if (store.removedSeeders + store.removedLeechers > 0) {
                    localChange(r, ChangeBuffer.STOPPED, tick, k0, k1, key, true);
                }
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
        boolean completed = r.event == AnnounceEvent.COMPLETED && previous != PeerStore.WAS_SEEDER;
        if (completed) {
            table.countCompleted(t);
            completedTotal++;
        }
        // a re-announce in the tick of the peer's last one that changes nothing leaves its record as it was:
        // the other nodes have that record already (a client announcing to every tier of a torrent reaches
        // a tracker listed as udp:// and http:// twice at once), unless another node
        // contradicted it in this tick (a stop there that this node ignored: the others no longer have it)
        boolean sameRecord = previous != PeerStore.NEW && store.previousTick == tick
            && (previous == PeerStore.WAS_SEEDER) == seeder && !completed
            && (contestTick != tick || !contested(r, k0, k1, key, tick));
        localChange(r, (seeder ? ChangeBuffer.SEEDER : 0) | (completed ? ChangeBuffer.COMPLETED : 0), tick, k0, k1, key,
            !sameRecord);
        int want = Math.min(r.numwant < 0 ? defaultNumwant : r.numwant, maxResponsePeers);
        r.peerCount = store.select(peers, k0, k1, key, seeder, want, r.peers, 0, nextRandom());
        fillCounts(r, t);
    }

    /**
     * A local client announced a peer: it is a local peer from now on (no longer another node's),
     * and the cluster publisher hears of it unless {@code changed} is false and it was local
     * already (its record is what the other nodes have). Without a cluster and remote peers: two
     * field reads.
     */
    private void localChange(SwarmRequest r, int flags, int tick, long k0, long k1, long key, boolean changed) {
        RemotePeers remote = r.ipv6 ? remote6 : remote4;
        boolean wasRemote = remote.size() > 0 && remote.remove(r.infoHash0, r.infoHash1, r.infoHash2, k0, k1, key);
        ChangeBuffer out = changes;
        if (out != null && (changed || wasRemote)) {
            out.add(r.infoHash0, r.infoHash1, r.infoHash2, flags | (r.ipv6 ? ChangeBuffer.IPV6 : 0), tick, key,
                k0, k1);
        }
    }

    /**
     * Cluster: starts capturing this shard's own changes into {@code fresh} and returns the buffer
     * that captured them until now (null the first time). Both pass between the shard's thread and
     * the publisher through a {@link ShardCommand} and a queue; null stops capturing.
     */
    public ChangeBuffer swapChanges(ChangeBuffer fresh) {
        ChangeBuffer old = changes;
        changes = fresh;
        ws.changes = fresh; // WebTorrent peers' changes go into the same buffer, flagged WEBTORRENT
        return old;
    }

    /**
     * Cluster: applies another node's changes (ticks already on this node's clock) as peers of
     * {@code origin}, with the swarm rules of a local announce (limits, seeder counts, downloads;
     * no per-address new-torrent budget: the origin node applied it). A change never overrides a
     * local peer whose last announce here is as new or newer: with round-robin DNS one client
     * announces to several nodes, and the newest announce decides where it is.
     *
     * @param origin 0..65534, the sending node's index on this node
     */
    public void applyRemote(ChangeBuffer batch, int origin) {
        if (origin < 0 || origin > RemotePeers.MAX_ORIGIN) throw new IllegalArgumentException("origin " + origin);
        int pos = 0;
        int end = batch.size();
        while (pos < end) {
            int groupEnd = touchGroup(batch, pos, end);
            for (int i = 0; pos < groupEnd; pos = batch.next(pos), i++) {
                applyRemote(batch, pos, origin, torrentHashes[i], remoteHashes[i]);
            }
        }
    }

    /** Changes a remote batch takes in one {@link #touchGroup}: their lines fit the L1 cache. */
    private static final int TOUCH_GROUP = 16;
    /** {@link #touchGroup}'s hashes of its changes' torrents and remote-peer entries, by index in the group. */
    private final long[] torrentHashes = new long[TOUCH_GROUP];
    private final long[] remoteHashes = new long[TOUCH_GROUP];
    /** Where {@link #touchGroup} leaves what it read, so that the reads are not optimised away. */
    private long touched;

    /**
     * Reads the lines that applying the next {@value #TOUCH_GROUP} changes from {@code pos} will
     * read first, one structure at a time for the whole group, and keeps the group's hashes: the
     * reads of one pass do not depend on each other, so their cache misses overlap instead of
     * coming one after the other. A fifth off a change on a shard far larger than the cache (JMH
     * {@code ClusterApplyBenchmark}, 3 M remote peers); no gain and no loss where it fits the L3.
     * Returns the position after the group.
     */
    private int touchGroup(ChangeBuffer b, int pos, int end) {
        long sum = 0;
        int p = pos;
        for (int i = 0; i < TOUCH_GROUP && p < end; i++, p = b.next(p)) {
            boolean ipv6 = (b.flags(p) & ChangeBuffer.IPV6) != 0;
            long th = InfoHashes.hash(b.hash0(p), b.hash1(p), b.hash2(p));
            RemotePeers remote = ipv6 ? remote6 : remote4;
            long rh = remote.hash(th, ipv6 ? b.address0(p) : 0, ipv6 ? b.address1(p) : 0, b.keyWord(p));
            torrentHashes[i] = th;
            remoteHashes[i] = rh;
            sum += table.touch(th);
            if (remote.size() > 0) sum += remote.touch(rh);
        }
        int groupEnd = p;
        for (int i = 0; pos < groupEnd; pos = b.next(pos), i++) {
            int flags = b.flags(pos);
            if ((flags & ChangeBuffer.WEBTORRENT) != 0) continue;
            boolean ipv6 = (flags & ChangeBuffer.IPV6) != 0;
            int t = table.find(torrentHashes[i], b.hash0(pos), b.hash1(pos), b.hash2(pos));
            if (t >= 0) {
                sum += (ipv6 ? store6 : store4).touch(table.peers(t, ipv6), ipv6 ? b.address0(pos) : 0,
                    ipv6 ? b.address1(pos) : 0, b.keyWord(pos));
            }
        }
        touched = sum;
        return groupEnd;
    }

    /** @param torrentHash the change's torrent's {@link InfoHashes#hash}; remoteHash its {@link RemotePeers#hash} */
    private void applyRemote(ChangeBuffer b, int pos, int origin, long torrentHash, long remoteHash) {
        int flags = b.flags(pos);
        if ((flags & ChangeBuffer.WEBTORRENT) != 0) {
            int result = ws.applyRemote(b.hash0(pos), b.hash1(pos), b.hash2(pos), flags, b.tick(pos), b.keyWord(pos),
                b.address0(pos), (int) b.address1(pos), origin, table.size() + ws.torrents() >= maxTorrents,
                peers4 + 3 * peers6 + 4 * ws.peers() >= maxPeersPerShard);
            if (result == WsSwarms.APPLIED) remoteApplied++;
            else if (result == WsSwarms.IGNORED) remoteIgnored++;
            else remoteRefused++;
            return;
        }
        boolean ipv6 = (flags & ChangeBuffer.IPV6) != 0;
        PeerStore store = ipv6 ? store6 : store4;
        RemotePeers remote = ipv6 ? remote6 : remote4;
        long h0 = b.hash0(pos);
        long h1 = b.hash1(pos);
        int h2 = b.hash2(pos);
        long k0 = ipv6 ? b.address0(pos) : 0;
        long k1 = ipv6 ? b.address1(pos) : 0;
        long key = b.keyWord(pos);
        int tick = b.tick(pos);
        // each structure is probed once per change: on a busy node every probe is a cache miss
        int t = table.find(torrentHash, h0, h1, h2);
        long[] peers = t >= 0 ? table.peers(t, ipv6) : null;
        int at = peers == null ? -1 : store.find(peers, k0, k1, key);
        int remotePos = remote.size() == 0 ? -1 : remote.find(remoteHash, h0, h1, h2, k0, k1, key);
        if (at >= 0 && remotePos < 0) {
            long local = peers[at + store.stride - 1];
            int localTick = (int) local & PeerStore.TICK_MASK;
            boolean localSeeder = (local & PeerStore.SEEDER_BIT) != 0;
            boolean remoteSeeder = (flags & ChangeBuffer.SEEDER) != 0;
            // a tie (the same tick) between a local leecher and another node's seeder goes to the seeder
            // on every node, whichever arrives first: a client that started here and completed there
            // in one tick is a seeder with one download on both (it was a leecher without it here)
            boolean seederWins = localTick == tick && remoteSeeder && !localSeeder
                && (flags & ChangeBuffer.STOPPED) == 0;
            // ticks wrap: the local announce is as new or newer when it is less than half the range ahead
            if (!seederWins && ((localTick - tick) & PeerStore.TICK_MASK) < (PeerStore.TICK_MASK + 1) / 2) {
                if (localTick == tick
                    && ((flags & (ChangeBuffer.STOPPED | ChangeBuffer.COMPLETED)) != 0 || remoteSeeder != localSeeder)) {
                    contest(remoteHash, tick);
                }
                remoteIgnored++;
                return;
            }
        }
        if ((flags & ChangeBuffer.STOPPED) != 0) {
            if (t >= 0 && at >= 0) {
                // as a local stop: a torrent with downloads stays without peers (else a later peer
                // would restart its completed count from 0 here while the origin goes on)
                long[] left = store.remove(peers, k0, k1, key);
                account(ipv6, -(store.removedSeeders + store.removedLeechers), -store.removedSeeders);
                table.setPeers(t, ipv6, left);
                if (!table.hasPeers(t)) keepIfCompleted(t, tick);
            }
            remote.removeAt(remotePos);
            remoteApplied++;
            return;
        }
        boolean created = false;
        if (t < 0) {
            t = table.size() >= maxTorrents ? -1 : table.insert(h0, h1, h2);
            if (t < 0) {
                remoteRefused++;
                return;
            }
            created = true;
        }
        boolean seeder = (flags & ChangeBuffer.SEEDER) != 0;
        boolean shardFull = peers4 + 3 * peers6 >= maxPeersPerShard;
        // a torrent created just now has no peers (and peers is null); otherwise peers and at are still current
        long[] updated = store.upsertAt(peers, at, k0, k1, key, seeder, tick, shardFull ? 0 : maxPeersPerTorrent);
        int previous = store.previous;
        if (previous == PeerStore.REFUSED_FULL) {
            if (created) table.remove(t);
            remoteRefused++;
            return;
        }
        table.setPeers(t, ipv6, updated);
        if (previous == PeerStore.NEW) {
            account(ipv6, 1, seeder ? 1 : 0);
        } else if ((previous == PeerStore.WAS_SEEDER) != seeder) {
            account(ipv6, 0, seeder ? 1 : -1);
        }
        if ((flags & ChangeBuffer.COMPLETED) != 0) table.countCompleted(t);
        remote.putAt(remotePos, remoteHash, h0, h1, h2, k0, k1, key, origin, tick);
        remoteApplied++;
    }

    /** Slots of {@link #contested}: a few contests a tick at most (a stop or flip on two nodes at once). */
    private static final int CONTESTS = 64;
    /**
     * Remote entry hashes ({@link RemotePeers#hash}) of local peers whose record another node's
     * change of the same tick contradicted (a stop, a seeder flip, a download) and was ignored:
     * that node now holds the peer otherwise, so a re-announce here in that tick is published
     * even though its record is unchanged. Direct-mapped, by the tick in {@link #contestTicks}; a
     * collision only publishes an announce that could have been skipped.
     */
    private final long[] contested = new long[CONTESTS];
    private final int[] contestTicks = new int[CONTESTS];
    /** The tick of the latest contest, -1 for none: announces look at {@link #contested} only then. */
    private int contestTick = -1;

    private void contest(long remoteHash, int tick) {
        int i = (int) remoteHash & (CONTESTS - 1);
        contested[i] = remoteHash;
        contestTicks[i] = tick;
        contestTick = tick;
    }

    /** The local peer's record was contradicted by another node in this tick ({@link #contested}). */
    private boolean contested(SwarmRequest r, long k0, long k1, long key, int tick) {
        long hash = (r.ipv6 ? remote6 : remote4).hash(InfoHashes.hash(r.infoHash0, r.infoHash1, r.infoHash2), k0, k1,
            key);
        int i = (int) hash & (CONTESTS - 1);
        return contested[i] == hash && contestTicks[i] == tick;
    }

    /** Removes one peer from torrent t, and the torrent when it was its last. */
    private void removePeer(int t, boolean ipv6, long k0, long k1, long key) {
        PeerStore store = ipv6 ? store6 : store4;
        long[] left = store.remove(table.peers(t, ipv6), k0, k1, key);
        account(ipv6, -(store.removedSeeders + store.removedLeechers), -store.removedSeeders);
        table.setPeers(t, ipv6, left);
        if (!table.used(t)) table.remove(t);
    }

    /**
     * Cluster: removes every peer that came from {@code origin} (that node left or stopped
     * heartbeating). The work is done by the cleaning slices that follow (the worker starts a
     * pass at once): in one go it took 0.4 s per million remote peers, too long a stall for a
     * swarm worker. Several origins may be dropping at once.
     */
    public void dropOrigin(int origin) {
        if (origin < 0 || origin > RemotePeers.MAX_ORIGIN) return;
        ws.dropOrigin(origin); // its WebTorrent peers: a walk of their own over the WS swarms
        if (dropping == null) dropping = new long[(RemotePeers.MAX_ORIGIN >> 6) + 1];
        dropping[origin >> 6] |= 1L << origin;
        dropFamily = 0; // an origin added mid-walk may have entries behind the cursor: walk again
        dropPos = -1;
    }

    /** A drop walk is pending (the worker starts cleaning for it). */
    boolean dropPending() {
        return dropping != null || ws.dropPending();
    }

    /**
     * Visits about {@code budget} remote entries of the drop walk, removing those of the dropping
     * origins with their peers. Returns true when the walk is through both tables.
     */
    private boolean dropSlice(int budget) {
        for (int spent = 0; spent < budget; ) {
            boolean v6 = dropFamily == 1;
            RemotePeers remote = v6 ? remote6 : remote4;
            dropPos = walkFrom(remote, dropPos, dropGrowths);
            dropGrowths = remote.growths();
            if (dropPos == RemotePeers.END) {
                dropPos = -1;
                if (!v6) {
                    dropFamily = 1;
                    continue;
                }
                dropFamily = 0;
                dropping = null;
                return true;
            }
            spent++;
            int origin = remote.usedAt(dropPos) ? remote.originAt(dropPos) : -1;
            if (origin >= 0 && (dropping[origin >> 6] & 1L << origin) != 0) {
                int t = table.find(remote.hash0At(dropPos), remote.hash1At(dropPos), remote.hash2At(dropPos));
                if (t >= 0) {
                    removePeer(t, v6, remote.address0At(dropPos), remote.address1At(dropPos), remote.keyAt(dropPos));
                    remoteDropped++;
                }
                remote.removeSlot(dropPos); // a later entry may shift into this position: look again
            } else {
                dropPos = remote.next(dropPos);
            }
        }
        return false;
    }

    /**
     * Where a walk over a remote table goes on: its first position when not started (-1), the
     * start of its segment when a segment grew since the walk last looked (entries moved).
     */
    private static int walkFrom(RemotePeers remote, int pos, int growthsSeen) {
        if (pos < 0) return remote.next(-1);
        return remote.growths() != growthsSeen ? RemotePeers.segmentStart(pos) : pos;
    }

    /** Peers here that came from other nodes. */
    public long remotePeers() {
        return remote4.size() + remote6.size();
    }

    /** Bytes of the remote-peer side tables (their arrays). */
    public long remotePeerTableBytes() {
        return remote4.bytes() + remote6.bytes();
    }

    /** Remote changes applied. */
    public long remoteApplied() {
        return remoteApplied;
    }

    /** Remote changes ignored because a local announce of the same peer was as new or newer. */
    public long remoteIgnored() {
        return remoteIgnored;
    }

    /** Remote changes refused by a limit (torrents, peers). */
    public long remoteRefused() {
        return remoteRefused;
    }

    /** Remote peers (BitTorrent and WebTorrent) removed because their node left or stopped heartbeating. */
    public long remoteDropped() {
        return remoteDropped + ws.remoteDropped();
    }

    /**
     * Cluster: routes an offer relayed from node {@code fromOrigin} (-1: unknown; offer o of
     * offerer f, for recipient a, all three words each) to the local connection holding the
     * recipient, and remembers it as pending so that the answer is checked as for a local offer;
     * an offerer not in the swarm yet joins it as a remote peer of that node. True when routed;
     * then {@link #routedLoop()} and {@link #routedConnection()} say where to write it. On the
     * shard's thread.
     */
    public boolean routeRemoteOffer(long h0, long h1, int h2, long o0, long o1, int o2, long f0, long f1, int f2,
                                    long a0, long a1, int a2, int tick, int fromOrigin) {
        return ws.routeRemoteOffer(h0, h1, h2, o0, o1, o2, f0, f1, f2, a0, a1, a2, tick, fromOrigin,
            peers4 + 3 * peers6 + 4 * ws.peers() >= maxPeersPerShard);
    }

    /**
     * Cluster: routes an answer relayed from another node (answerer x to offer o of offerer f) to
     * the local connection holding the offerer, only when that offer is pending for this answerer
     * (the record is taken); else refused and counted. True when routed, as {@link #routeRemoteOffer}.
     */
    public boolean routeRemoteAnswer(long h0, long h1, int h2, long o0, long o1, int o2, long x0, long x1, int x2,
                                     long f0, long f1, int f2, int tick) {
        return ws.routeRemoteAnswer(h0, h1, h2, o0, o1, o2, x0, x1, x2, f0, f1, f2, tick);
    }

    /** The event loop of the last routed relay's recipient. */
    public int routedLoop() {
        return ws.routedLoop;
    }

    /** The connection token of the last routed relay's recipient. */
    public long routedConnection() {
        return ws.routedConnection;
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
     * Cluster (issue 14): as {@link #exportSlice}, but only this node's own peers: a peer that came
     * from another node is left out, and so is a torrent with no peer of this node (its completed
     * count travels with the torrents that have one). What a node keeps in Redis for the others to
     * resync from. A remote-table lookup per peer while there are remote peers (the budget then
     * shrinks by {@link #LOOKUP_COST}); none without. A torrent with more peers than that comes as
     * an unfiltered copy ({@link DetachedTorrent#filterPending}): the caller runs
     * {@link DetachedTorrent#filterRemote} on this shard's thread, in chunks, before writing it.
     */
    public int exportLocalSlice(int fromSegment, int budget, int tick, SwarmSnapshotSink sink) {
        if (remote4.size() == 0 && remote6.size() == 0) return ShardExport.slice(table, fromSegment, budget, tick, sink);
        // a remote lookup per peer (a cache miss in a big table) costs about 4 times its encoding
        return ShardExport.slice(table, fromSegment, Math.max(1, budget / LOOKUP_COST), tick, sink, remoteFilter);
    }

    /** How many peers' encoding one remote-table lookup costs, roughly (ClusterResyncScaleTest). */
    static final int LOOKUP_COST = 4;

    private final ShardExport.RemoteFilter remoteFilter = this::isRemotePeer;

    /** The peer came from another node (cluster). On the shard's thread. */
    boolean isRemotePeer(long h0, long h1, int h2, boolean ipv6, long k0, long k1, long key) {
        return (ipv6 ? remote6 : remote4).origin(h0, h1, h2, k0, k1, key) >= 0;
    }

    /**
     * Cluster resync (issue 14): raises a torrent's completed count to {@code completed} (unsigned)
     * when it is held and counts fewer: another node's snapshot knows of downloads this node missed.
     */
    public void raiseCompleted(long h0, long h1, int h2, int completed) {
        int t = table.find(h0, h1, h2);
        if (t >= 0 && Integer.compareUnsigned(completed, table.completed(t)) > 0) table.setCompleted(t, completed);
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

    /** A purge waits for a cleaning pass to start, or origins wait to be dropped. */
    boolean purgePending() {
        return (purge != null && !purgeStarted) || dropPending();
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
        // lost nodes' peers go first; a removal costs about 400 ns (a torrent lookup and a peer
        // removal), 8 times a visited peer's cost, so the drop walk gets an eighth of the budget
        if (dropping != null && !dropSlice(Math.max(1, budget / 8))) return false;
        if (ws.dropPending() && !ws.dropSlice(Math.max(1, budget / 8))) return false;
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
        if (cleanCursor >= TorrentTable.END && !sweepRemote(tick, Math.max(1, budget - spent))) {
            return false;
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

    /**
     * After the torrents: removes remote entries whose peer expired by the same rule (so the
     * entry of a peer that expired or was purged does not outlive it by more than a pass).
     * Returns true when the sweep is through both tables.
     */
    private boolean sweepRemote(int tick, int budget) {
        if (remote4.size() == 0 && remote6.size() == 0) {
            sweepFamily = 0;
            sweepPos = -1;
            return true;
        }
        RemotePeers remote = sweepFamily == 0 ? remote4 : remote6;
        sweepPos = remote.expire(walkFrom(remote, sweepPos, sweepGrowths), budget, tick, timeoutTicks);
        sweepGrowths = remote.growths();
        if (sweepPos != RemotePeers.END) return false;
        sweepPos = -1;
        sweepFamily ^= 1;
        return sweepFamily == 0;
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
