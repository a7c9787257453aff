package trackerd.swarm;

import java.util.Arrays;

/**
 * Restores a stream of snapshot records into one shard ({@link SwarmEngine#restorer}, before the
 * engine starts). Peers come back with the time they had left: a peer {@code age} seconds old
 * gets the tick of {@code now - age}, so it expires when it would have without the restart; a
 * peer as old as the peer timeout or older expired while the tracker was down and is dropped.
 * A torrent whose peers all expired but which has a completed count is kept empty, as the
 * cleaning pass would have kept it: from its newest peer's expiry for one more peer timeout.
 * Limits apply as to announces ({@link SwarmShard#restoreTorrent}).
 *
 * <p>One thread; a torrent is restored when its last peer record arrives (or at
 * {@link #finish}). Scratch arrays grow to the largest torrent and are kept.
 */
public final class ShardRestore implements SwarmSnapshotSink {
    private final SwarmShard shard;
    private final long nowSeconds;
    private final int peerTimeoutSeconds;
    /** The shard's own expiry rule, in ticks ({@link SwarmShard}): restored peers expire as live ones do. */
    private final int timeoutTicks;
    private final int nowTick;

    private long h0;
    private long h1;
    private int h2;
    private int completed;
    private int emptyFor;
    private int expected;
    private int seen;
    private int newestAge;
    private boolean pending;
    private long[] words4 = new long[16];
    private int count4;
    private long[] words6 = new long[48];
    private int count6;

    private long torrents;
    private long peers;
    private long expiredPeers;
    private long droppedTorrents;

    ShardRestore(SwarmShard shard, long nowSeconds, int peerTimeoutSeconds) {
        this.shard = shard;
        this.nowSeconds = nowSeconds;
        this.peerTimeoutSeconds = peerTimeoutSeconds;
        this.timeoutTicks = (peerTimeoutSeconds + PeerStore.TICK_SECONDS - 1) / PeerStore.TICK_SECONDS + 1;
        this.nowTick = tickAgo(0);
    }

    /** True when something {@code ageSeconds} old is past the peer timeout by the shard's rule. */
    private boolean expired(long ageSeconds) {
        return ageSeconds >= (long) (timeoutTicks + 1) * PeerStore.TICK_SECONDS // also where ticks would wrap
            || ((nowTick - tickAgo(ageSeconds)) & PeerStore.TICK_MASK) >= timeoutTicks;
    }

    @Override
    public void torrent(long h0, long h1, int h2, int completed, int emptyForSeconds, int ipv4Peers, int ipv6Peers) {
        finish();
        this.h0 = h0;
        this.h1 = h1;
        this.h2 = h2;
        this.completed = completed;
        this.emptyFor = emptyForSeconds;
        this.expected = ipv4Peers + ipv6Peers;
        this.seen = 0;
        this.newestAge = Integer.MAX_VALUE;
        this.count4 = 0;
        this.count6 = 0;
        pending = true;
        if (expected == 0) finish();
    }

    @Override
    public void ipv4Peer(int address, int port, boolean seeder, int ageSeconds) {
        if (!pending) return;
        if (port != 0 && keep(ageSeconds)) {
            if (count4 == words4.length) words4 = Arrays.copyOf(words4, count4 * 2);
            words4[count4++] = ((address & 0xFFFF_FFFFL) << 32) | ((long) port << 16) | word(seeder, ageSeconds);
        }
        if (++seen == expected) finish();
    }

    @Override
    public void ipv6Peer(long address0, long address1, int port, boolean seeder, int ageSeconds) {
        if (!pending) return;
        if (port != 0 && keep(ageSeconds)) {
            if (3 * count6 + 3 > words6.length) words6 = Arrays.copyOf(words6, words6.length * 2);
            int at = 3 * count6++;
            words6[at] = address0;
            words6[at + 1] = address1;
            words6[at + 2] = ((long) port << 16) | word(seeder, ageSeconds);
        }
        if (++seen == expected) finish();
    }

    /** Counts the peer; true when it is still within the peer timeout. */
    private boolean keep(int ageSeconds) {
        newestAge = Math.min(newestAge, Math.max(0, ageSeconds));
        if (expired(ageSeconds)) {
            expiredPeers++;
            return false;
        }
        return true;
    }

    private long word(boolean seeder, int ageSeconds) {
        return (seeder ? PeerStore.SEEDER_BIT : 0) | tickAgo(ageSeconds);
    }

    /** The shard's tick {@code ageSeconds} before now (times before the start wrap like any tick). */
    private int tickAgo(long ageSeconds) {
        return (int) Math.floorDiv(nowSeconds - Math.max(0, ageSeconds), PeerStore.TICK_SECONDS) & PeerStore.TICK_MASK;
    }

    /** Restores the torrent under way, if any (its records may have been cut short). */
    public void finish() {
        if (!pending) return;
        pending = false;
        int emptyTick = -1;
        if (count4 + count6 == 0 && completed != 0) {
            // empty since: as saved, or since its newest peer expired (while the tracker was down)
            long emptyForNow = seen == 0 ? emptyFor : (long) newestAge - peerTimeoutSeconds;
            if (!expired(Math.max(0, emptyForNow))) emptyTick = tickAgo(Math.max(0, emptyForNow));
        }
        if (shard.restoreTorrent(h0, h1, h2, completed, emptyTick, words4, count4, words6, count6)) {
            torrents++;
            peers += count4 + count6;
        } else {
            droppedTorrents++;
        }
    }

    /** Torrents now held from the records (with peers, or kept for their completed count). */
    public long torrents() {
        return torrents;
    }

    /** Peer records handed to the shard (a few may have been refused by its limits). */
    public long peers() {
        return peers;
    }

    /** Peers older than the peer timeout: they expired while the tracker was down. */
    public long expiredPeers() {
        return expiredPeers;
    }

    /** Torrents not restored: nothing left to keep, or refused by max_torrents. */
    public long droppedTorrents() {
        return droppedTorrents;
    }
}
