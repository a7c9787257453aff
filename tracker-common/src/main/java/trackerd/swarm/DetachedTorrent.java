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

    DetachedTorrent(long h0, long h1, int h2, int completed, long[] v4, long[] v6, int tick) {
        this.h0 = h0;
        this.h1 = h1;
        this.h2 = h2;
        this.completed = completed;
        this.v4 = v4;
        this.v6 = v6;
        this.tick = tick;
    }

    /** Writes the torrent and its peers, ages counted back from its slice's tick (as the slice's own). */
    public void writeTo(SwarmSnapshotSink sink) {
        sink.torrent(h0, h1, h2, completed, 0, PeerStore.count(v4), PeerStore.count(v6));
        if (v4 != null) ShardExport.peers(v4, 1, tick, sink);
        if (v6 != null) ShardExport.peers(v6, 3, tick, sink);
    }

    public int peers() {
        return PeerStore.count(v4) + PeerStore.count(v6);
    }
}
