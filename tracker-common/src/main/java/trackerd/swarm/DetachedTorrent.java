package trackerd.swarm;

/**
 * A torrent whose swarm is too big to encode within one export slice: copied on the shard's
 * thread (a copy of its peer arrays: 700,000 IPv4 peers are a 6 MB array copy, about a
 * millisecond, where encoding them took 30 ms), then written on any thread. Immutable once
 * made; the copy is the torrent as of its slice.
 */
public final class DetachedTorrent {
    private final long h0;
    private final long h1;
    private final int h2;
    private final int completed;
    private final long[] v4;
    private final long[] v6;
    private final int tick;
    /**
     * Cluster snapshots ({@link SwarmShard#exportLocalSlice}): the copy still holds other nodes'
     * peers; {@link #filterRemote} blanks them in chunks on the shard's thread. -1 when there is
     * nothing to filter (or the filtering is through), else the next record to look at.
     */
    private int filterAt = -1;
    /** Some records may be blanked: count the live ones. */
    private boolean filtered;

    DetachedTorrent(long h0, long h1, int h2, int completed, long[] v4, long[] v6, int tick) {
        this.h0 = h0;
        this.h1 = h1;
        this.h2 = h2;
        this.completed = completed;
        this.v4 = v4;
        this.v6 = v6;
        this.tick = tick;
    }

    /** A copy of every peer, whose remote ones {@link #filterRemote} must blank before it is written. */
    static DetachedTorrent unfiltered(long h0, long h1, int h2, int completed, long[] v4, long[] v6, int tick) {
        DetachedTorrent t = new DetachedTorrent(h0, h1, h2, completed, v4, v6, tick);
        t.filterAt = 0;
        t.filtered = true;
        return t;
    }

    /** True while remote peers may still be in the copy: {@link #filterRemote} on the shard's thread first. */
    public boolean filterPending() {
        return filterAt >= 0;
    }

    /**
     * Blanks the remote peers among the next {@code budget} records of the copy, on the shard's
     * thread of {@code shard} (only it may ask its remote tables), so that a huge torrent is
     * filtered in chunks between batches of requests instead of in one long stall (a remote lookup
     * is a cache miss: about a microsecond on a busy machine). The copy is of its slice's moment,
     * the remote marks of the chunk's: a peer that changed sides in between is taken as it is now.
     * Returns true when the whole copy is through.
     */
    public boolean filterRemote(SwarmShard shard, int budget) {
        int records4 = v4 == null ? 0 : records(v4, 1);
        int records6 = v6 == null ? 0 : records(v6, 3);
        int end = Math.min(records4 + records6, filterAt + budget);
        for (int i = filterAt; i < end; i++) {
            boolean ipv6 = i >= records4;
            long[] a = ipv6 ? v6 : v4;
            int stride = ipv6 ? 3 : 1;
            int base = 1 + (ipv6 ? i - records4 : i) * stride;
            long last = a[base + stride - 1];
            if (last == 0) continue;
            if (shard.isRemotePeer(h0, h1, h2, ipv6, ipv6 ? a[base] : 0, ipv6 ? a[base + 1] : 0, last & ~0xFFFFL)) {
                a[base + stride - 1] = 0; // an empty slot: ShardExport.peers skips it
            }
        }
        filterAt = end == records4 + records6 ? -1 : end;
        return filterAt < 0;
    }

    /** Record slots of a copy: every slot of the large form, the peers of the small one. */
    private static int records(long[] a, int stride) {
        return a[0] < 0 ? (a.length - 1) / stride : PeerStore.count(a);
    }

    private static int live(long[] a, int stride) {
        if (a == null) return 0;
        int n = 0;
        int end = 1 + records(a, stride) * stride;
        for (int base = 1; base < end; base += stride) {
            if (a[base + stride - 1] != 0) n++;
        }
        return n;
    }

    /** Writes the torrent and its peers, ages counted back from its slice's tick (as the slice's own). */
    public void writeTo(SwarmSnapshotSink sink) {
        if (filterAt >= 0) throw new IllegalStateException("remote peers not filtered yet");
        int n4 = filtered ? live(v4, 1) : PeerStore.count(v4);
        int n6 = filtered ? live(v6, 3) : PeerStore.count(v6);
        if (n4 + n6 == 0 && filtered) return; // every peer was another node's
        sink.torrent(h0, h1, h2, completed, 0, n4, n6);
        if (v4 != null) ShardExport.peers(v4, 1, tick, sink);
        if (v6 != null) ShardExport.peers(v6, 3, tick, sink);
    }

    public int peers() {
        return PeerStore.count(v4) + PeerStore.count(v6);
    }
}
