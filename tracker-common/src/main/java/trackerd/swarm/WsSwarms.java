package trackerd.swarm;

/**
 * The WebTorrent swarms of one shard, apart from its BitTorrent ones (browsers cannot dial TCP
 * peers, and BitTorrent clients cannot answer WebRTC offers): their own {@link TorrentTable},
 * whose IPv6 family slot holds each torrent's {@link WsPeers} array, under the shard's routing,
 * limits and cleaning. Only on the owning swarm thread.
 *
 * <ul>
 *   <li>A WS peer is its peer id; it is held by one connection (event loop index + connection
 *       token), which may hold one peer id per torrent. A peer id held by another connection is
 *       refused ({@link RequestStatus#PEER_ID_TAKEN}): closes drop a connection's peers at once
 *       ({@link #dropConnection}), so the holder is an open connection, or one whose close has not
 *       reached the shard yet.
 *   <li>{@code stopped} removes the peer (only from the connection that holds it); {@code completed}
 *       counts a download unless it was a seeder already; seeder by {@code left == 0}.
 *   <li>Offers: recipient {@code i} of {@link RelayBlock} gets offer {@code i}; recipients are
 *       distinct other peers from a random place in the swarm; a seeder's offers go to leechers
 *       only. Each relayed offer is remembered in {@link PendingOffers}.
 *   <li>Answers go only to an offerer in this swarm that is waiting for that offer's answer from
 *       this answerer.
 *   <li>Cluster (issue 14): every local change (announce, stopped, a connection's close) is
 *       captured for the publisher like a BitTorrent peer's; other nodes' WS peers live here as
 *       remote peers ({@link RelayBlock#REMOTE_LOOP}, origin in the connection word), counted,
 *       chosen as recipients, expired by the same timeout, dropped with their node
 *       ({@link #dropOrigin}). A remote change never takes over a peer id that a local connection
 *       holds; a local announce takes over a remote entry of its peer id (the newest announce
 *       decides where a peer is, as for BitTorrent peers). Offers and answers relayed from other
 *       nodes are routed by {@link #routeRemoteOffer} and {@link #routeRemoteAnswer}, with the
 *       same pending-offer memory as local ones.
 * </ul>
 */
final class WsSwarms {
    private final TorrentTable table = new TorrentTable();
    private final PendingOffers pending;
    private final int maxPeersPerTorrent;
    private final int timeoutTicks;
    private long peers;
    private long seeders;
    private long expired;
    private long relayedOffers;
    private long relayedAnswers;
    private long refusedAnswers;
    private int cleanCursor = -1;
    /** The shard's capture buffer for the cluster publisher ({@link SwarmShard#swapChanges}); null: off. */
    ChangeBuffer changes;
    /** Origins whose WS peers are being removed (bit per origin), null when none. */
    private long[] dropping;
    private int dropCursor = -1;
    private long remoteDropped;
    /** Where {@link #routeRemoteOffer} / {@link #routeRemoteAnswer} found the recipient. */
    int routedLoop;
    long routedConnection;
    /** The latest announce or cleaning tick (a close carries none): the tick of a close's STOPPED change. */
    private int lastTick;

    /** {@link #applyRemote} results. */
    static final int APPLIED = 0;
    static final int IGNORED = 1;
    static final int REFUSED = 2;

    WsSwarms(int maxPeersPerTorrent, int timeoutTicks, long seed) {
        this.maxPeersPerTorrent = maxPeersPerTorrent;
        this.timeoutTicks = timeoutTicks;
        this.pending = new PendingOffers(seed);
    }

    int torrents() {
        return table.size();
    }

    long peers() {
        return peers;
    }

    long seeders() {
        return seeders;
    }

    long expired() {
        return expired;
    }

    long relayedOffers() {
        return relayedOffers;
    }

    long relayedAnswers() {
        return relayedAnswers;
    }

    long refusedAnswers() {
        return refusedAnswers;
    }

    /**
     * One WebTorrent announce. {@code torrentsFull}: the shard may not create a torrent;
     * {@code peersFull}: it may not add a peer; {@code newTorrents}: the per-address budget.
     */
    void announce(SwarmRequest r, int tick, boolean torrentsFull, boolean peersFull, NewTorrentBudget newTorrents,
                  long random) {
        lastTick = tick;
        int t = table.find(r.infoHash0, r.infoHash1, r.infoHash2);
        long[] a = t >= 0 ? table.peers(t, true) : null;
        int self = WsPeers.find(a, r.peerId0, r.peerId1, r.peerId2);
        if (self >= 0 && WsPeers.remote(a, self)) {
            // another node's entry of this peer id: the browser announces here now
            if (r.event == AnnounceEvent.STOPPED) {
                fillCounts(r, a, t);
                return;
            }
            if (WsPeers.findConnection(a, r.loopIndex, r.connection) >= 0) {
                r.status = RequestStatus.ONE_PEER_ID_PER_TORRENT;
                fillCounts(r, a, t);
                return;
            }
            WsPeers.setHolder(a, self, r.loopIndex, r.connection);
        }
        if (self >= 0 && (WsPeers.connection(a, self) != r.connection || WsPeers.loop(a, self) != r.loopIndex)) {
            r.status = RequestStatus.PEER_ID_TAKEN;
            fillCounts(r, a, t);
            return;
        }
        if (r.event == AnnounceEvent.STOPPED) {
            if (self >= 0) {
                capture(r.infoHash0, r.infoHash1, r.infoHash2, ChangeBuffer.STOPPED, tick, r.peerId0, r.peerId1,
                    r.peerId2);
                a = removeAt(t, a, self);
            }
            fillCounts(r, a, t);
            return;
        }
        if (self < 0 && WsPeers.findConnection(a, r.loopIndex, r.connection) >= 0) {
            r.status = RequestStatus.ONE_PEER_ID_PER_TORRENT;
            fillCounts(r, a, t);
            return;
        }
        boolean seeder = r.seeder || r.event == AnnounceEvent.COMPLETED;
        if (self < 0) {
            if (t < 0) {
                if (torrentsFull) {
                    r.status = RequestStatus.TOO_MANY_TORRENTS;
                    return;
                }
                if (!newTorrents.tryTake(r.ipv6, r.address0, tick)) {
                    r.status = RequestStatus.TOO_MANY_NEW_TORRENTS;
                    return;
                }
            }
            if (peersFull || WsPeers.count(a) >= maxPeersPerTorrent) {
                r.status = peersFull ? RequestStatus.TRACKER_FULL_OF_PEERS : RequestStatus.TOO_MANY_PEERS;
                fillCounts(r, a, t);
                return;
            }
            if (t < 0) t = table.insert(r.infoHash0, r.infoHash1, r.infoHash2);
            if (t < 0) {
                r.status = RequestStatus.TOO_MANY_TORRENTS;
                return;
            }
            a = WsPeers.add(a, r.peerId0, r.peerId1, r.peerId2, tick, seeder, r.loopIndex, r.connection);
            self = WsPeers.count(a) - 1;
            table.setPeers(t, true, a);
            peers++;
            if (seeder) seeders++;
            if (r.event == AnnounceEvent.COMPLETED) table.countCompleted(t);
            capture(r.infoHash0, r.infoHash1, r.infoHash2, (seeder ? ChangeBuffer.SEEDER : 0)
                | (r.event == AnnounceEvent.COMPLETED ? ChangeBuffer.COMPLETED : 0), tick, r.peerId0, r.peerId1,
                r.peerId2);
        } else {
            boolean was = WsPeers.seeder(a, self);
            WsPeers.update(a, self, tick, seeder);
            if (was != seeder) seeders += seeder ? 1 : -1;
            boolean completed = r.event == AnnounceEvent.COMPLETED && !was;
            if (completed) table.countCompleted(t);
            capture(r.infoHash0, r.infoHash1, r.infoHash2, (seeder ? ChangeBuffer.SEEDER : 0)
                | (completed ? ChangeBuffer.COMPLETED : 0), tick, r.peerId0, r.peerId1, r.peerId2);
        }
        RelayBlock relay = r.relay;
        if (relay != null) {
            if (relay.offerCount() > 0) pickRecipients(r, relay, a, self, seeder, tick, random);
            if (relay.hasAnswer) answer(r, relay, a, tick);
        }
        fillCounts(r, a, t);
    }

    /** Distinct other peers from a random place, leechers only for a seeder; remembers each offer. */
    private void pickRecipients(SwarmRequest r, RelayBlock relay, long[] a, int self, boolean seeder, int tick,
                                long random) {
        int n = WsPeers.count(a);
        int want = relay.offerCount();
        int start = (int) (((random >>> 32) * n) >>> 32);
        for (int step = 0; step < n && relay.recipientCount() < want; step++) {
            int i = start + step;
            if (i >= n) i -= n;
            if (i == self || (seeder && WsPeers.seeder(a, i))) continue;
            int w = WsPeers.at(i);
            int k = relay.recipientCount();
            relay.addRecipient(WsPeers.loop(a, i), WsPeers.connection(a, i), a[w], a[w + 1], WsPeers.peer2(a, i));
            pending.put(relay.offer0(k), relay.offer1(k), relay.offer2(k), a[w], a[w + 1], WsPeers.peer2(a, i),
                r.peerId0, r.peerId1, r.peerId2, tick);
        }
        relayedOffers += relay.recipientCount();
    }

    private void answer(SwarmRequest r, RelayBlock relay, long[] a, int tick) {
        int offerer = WsPeers.find(a, relay.toPeer0, relay.toPeer1, relay.toPeer2);
        if (offerer >= 0 && pending.take(relay.answerOffer0, relay.answerOffer1, relay.answerOffer2,
                r.peerId0, r.peerId1, r.peerId2, relay.toPeer0, relay.toPeer1, relay.toPeer2, tick)) {
            relay.addRecipient(WsPeers.loop(a, offerer), WsPeers.connection(a, offerer),
                relay.toPeer0, relay.toPeer1, relay.toPeer2);
            relay.answerRelayed = true;
            relayedAnswers++;
        } else {
            refusedAnswers++;
        }
    }

    private long[] removeAt(int t, long[] a, int i) {
        peers--;
        if (WsPeers.seeder(a, i)) seeders--;
        long[] left = WsPeers.remove(a, i);
        table.setPeers(t, true, left);
        if (left == null) table.remove(t);
        return left;
    }

    private void fillCounts(SwarmRequest r, long[] a, int t) {
        int s = WsPeers.seeders(a);
        r.seeders = s;
        r.leechers = WsPeers.count(a) - s;
        r.completed = a == null ? 0 : table.completed(t);
    }

    /** Scrape of the hashes of {@code block} that belong to shard {@code shardIndex}. */
    void scrape(ScrapeBlock block, int shardIndex) {
        for (int i = 0, n = block.count(); i < n; i++) {
            if (block.shardOf(i) != shardIndex) continue;
            int t = table.find(block.hash0(i), block.hash1(i), block.hash2(i));
            if (t < 0) {
                block.setResult(i, 0, 0, 0);
            } else {
                long[] a = table.peers(t, true);
                int s = WsPeers.seeders(a);
                block.setResult(i, s, table.completed(t), WsPeers.count(a) - s);
            }
        }
    }

    /**
     * A connection closed: its peer in each of {@code hashes} (three words per info hash, the
     * torrents it announced to that route to this shard) leaves at once.
     */
    void dropConnection(int loop, long connection, long[] hashes, int count) {
        for (int h = 0; h < count; h++) {
            int t = table.find(hashes[3 * h], hashes[3 * h + 1], (int) hashes[3 * h + 2]);
            if (t < 0) continue;
            long[] a = table.peers(t, true);
            int i = WsPeers.findConnection(a, loop, connection);
            if (i >= 0) {
                int w = WsPeers.at(i);
                capture(hashes[3 * h], hashes[3 * h + 1], (int) hashes[3 * h + 2], ChangeBuffer.STOPPED, lastTick,
                    a[w], a[w + 1], WsPeers.peer2(a, i));
                removeAt(t, a, i);
            }
        }
    }

    /** A local peer changed: the cluster publisher hears of it (a field read when the cluster is off). */
    private void capture(long h0, long h1, int h2, int flags, int tick, long p0, long p1, int p2) {
        ChangeBuffer out = changes;
        if (out != null) out.add(h0, h1, h2, flags | ChangeBuffer.WEBTORRENT, tick, p0, p1, p2 & 0xFFFF_FFFFL);
    }

    /**
     * Cluster: another node's change of one of its WS peers (peer id p), ticks on this node's
     * clock, as a peer of {@code origin}. {@code torrentsFull} / {@code peersFull}: the shard's
     * limits. Returns {@link #APPLIED}, {@link #IGNORED} (a local connection holds that peer id)
     * or {@link #REFUSED} (a limit).
     */
    int applyRemote(long h0, long h1, int h2, int flags, int tick, long p0, long p1, int p2, int origin,
                    boolean torrentsFull, boolean peersFull) {
        int t = table.find(h0, h1, h2);
        long[] a = t >= 0 ? table.peers(t, true) : null;
        int self = WsPeers.find(a, p0, p1, p2);
        if (self >= 0 && !WsPeers.remote(a, self)) return IGNORED;
        if ((flags & ChangeBuffer.STOPPED) != 0) {
            // only the node that holds the entry now: a browser that moved on to a third node stays
            if (self < 0 || WsPeers.connection(a, self) != origin) return IGNORED;
            removeAt(t, a, self);
            return APPLIED;
        }
        boolean seeder = (flags & ChangeBuffer.SEEDER) != 0;
        if (self < 0) {
            if ((t < 0 && torrentsFull) || peersFull || WsPeers.count(a) >= maxPeersPerTorrent) return REFUSED;
            if (t < 0 && (t = table.insert(h0, h1, h2)) < 0) return REFUSED;
            a = WsPeers.add(a, p0, p1, p2, tick, seeder, RelayBlock.REMOTE_LOOP, origin);
            table.setPeers(t, true, a);
            peers++;
            if (seeder) seeders++;
        } else {
            boolean was = WsPeers.seeder(a, self);
            WsPeers.update(a, self, tick, seeder);
            WsPeers.setHolder(a, self, RelayBlock.REMOTE_LOOP, origin);
            if (was != seeder) seeders += seeder ? 1 : -1;
        }
        if ((flags & ChangeBuffer.COMPLETED) != 0) table.countCompleted(t); // the origin applied the rule
        return APPLIED;
    }

    /**
     * Cluster: an offer that another node's peer (offerer f) sent to recipient (a), relayed from
     * node {@code fromOrigin} (-1: not heard from yet). True when a local connection holds the
     * recipient in this swarm: the offer is remembered as pending (so the answer is checked here
     * as for a local offer) and {@link #routedLoop}/{@link #routedConnection} say where to write
     * it. An offerer this swarm does not know yet (its announce is still on its way in the change
     * stream, which the relay overtook) becomes a remote peer of the sending node now, as a
     * leecher until its change says more: else a browser that answers within a publish interval
     * would be refused, its offerer not being in the swarm.
     */
    boolean routeRemoteOffer(long h0, long h1, int h2, long o0, long o1, int o2, long f0, long f1, int f2,
                             long a0, long a1, int a2, int tick, int fromOrigin, boolean peersFull) {
        int t = table.find(h0, h1, h2);
        long[] a = t >= 0 ? table.peers(t, true) : null;
        int i = WsPeers.find(a, a0, a1, a2);
        if (i < 0 || WsPeers.remote(a, i)) return false;
        if (fromOrigin >= 0 && !peersFull && WsPeers.count(a) < maxPeersPerTorrent && WsPeers.find(a, f0, f1, f2) < 0) {
            a = WsPeers.add(a, f0, f1, f2, tick, false, RelayBlock.REMOTE_LOOP, fromOrigin);
            table.setPeers(t, true, a);
            peers++;
        }
        pending.put(o0, o1, o2, a0, a1, a2, f0, f1, f2, tick);
        relayedOffers++;
        routedLoop = WsPeers.loop(a, i);
        routedConnection = WsPeers.connection(a, i);
        return true;
    }

    /**
     * Cluster: an answer of another node's peer (answerer x) to offer (o) of offerer (f), relayed
     * from that node. True when a local connection holds the offerer and it waits for this
     * answer (the pending-offer record made when its offer was relayed; taken now); else refused.
     */
    boolean routeRemoteAnswer(long h0, long h1, int h2, long o0, long o1, int o2, long x0, long x1, int x2,
                              long f0, long f1, int f2, int tick) {
        int t = table.find(h0, h1, h2);
        long[] a = t >= 0 ? table.peers(t, true) : null;
        int i = WsPeers.find(a, f0, f1, f2);
        if (i < 0 || WsPeers.remote(a, i) || !pending.take(o0, o1, o2, x0, x1, x2, f0, f1, f2, tick)) {
            refusedAnswers++;
            return false;
        }
        relayedAnswers++;
        routedLoop = WsPeers.loop(a, i);
        routedConnection = WsPeers.connection(a, i);
        return true;
    }

    /** Cluster: the WS peers of {@code origin} leave, in {@link #dropSlice}s. */
    void dropOrigin(int origin) {
        if (table.size() == 0) return;
        if (dropping == null) dropping = new long[(RemotePeers.MAX_ORIGIN >> 6) + 1];
        dropping[origin >> 6] |= 1L << origin;
        dropCursor = -1; // an origin added mid-walk may have peers behind the cursor: walk again
    }

    boolean dropPending() {
        return dropping != null;
    }

    /** WS peers removed because their node left or stopped heartbeating. */
    long remoteDropped() {
        return remoteDropped;
    }

    /**
     * Visits about {@code budget} WS peers of the drop walk, removing those of the dropping
     * origins. True when the walk is through (nothing is dropping any more).
     */
    boolean dropSlice(int budget) {
        if (dropCursor < 0) dropCursor = table.next(-1);
        int spent = 0;
        while (dropCursor < TorrentTable.END && spent < budget) {
            int t = dropCursor;
            if (!table.used(t)) {
                dropCursor = table.next(t);
                spent++;
                continue;
            }
            long[] a = table.peers(t, true);
            spent += WsPeers.count(a) + 1;
            for (int i = WsPeers.count(a) - 1; i >= 0 && a != null; i--) {
                if (!WsPeers.remote(a, i)) continue;
                int origin = (int) WsPeers.connection(a, i);
                if ((dropping[origin >> 6] & 1L << origin) != 0) {
                    a = removeAt(t, a, i);
                    remoteDropped++;
                }
            }
            if (a != null) dropCursor = table.next(t); // else removed: a later torrent may have shifted into t
        }
        if (dropCursor < TorrentTable.END) return false;
        dropCursor = -1;
        dropping = null;
        return true;
    }

    /**
     * A slice of the cleaning pass over the WS torrents (as {@link SwarmShard#cleanSlice}): expired
     * peers leave, torrents {@code purging} names (may be null) are dropped. True at the pass's end.
     */
    boolean cleanSlice(int tick, int budget, InfoHashFilter purging) {
        lastTick = tick;
        if (cleanCursor < 0) cleanCursor = table.next(-1);
        int spent = 0;
        while (cleanCursor < TorrentTable.END && spent < budget) {
            int t = cleanCursor;
            if (!table.used(t)) {
                cleanCursor = table.next(t);
                spent++;
                continue;
            }
            long[] a = table.peers(t, true);
            spent += WsPeers.count(a) + 1;
            if (purging != null && purging.matches(table.hash0(t), table.hash1(t), table.hash2(t))) {
                peers -= WsPeers.count(a);
                seeders -= WsPeers.seeders(a);
                table.remove(t); // shifts a later torrent into t: look at t again
                continue;
            }
            for (int i = WsPeers.count(a) - 1; i >= 0 && a != null; i--) {
                if (((tick - WsPeers.tick(a, i)) & PeerStore.TICK_MASK) >= timeoutTicks) {
                    a = removeAt(t, a, i);
                    expired++;
                }
            }
            if (a != null) cleanCursor = table.next(t);
        }
        if (cleanCursor >= TorrentTable.END) {
            cleanCursor = -1;
            return true;
        }
        return false;
    }
}
