package trackerd.swarm;

/**
 * Walks a shard's {@link TorrentTable} into a {@link SwarmSnapshotSink}, a slice at a time.
 *
 * <p><b>Why whole segments.</b> A save must not stall announces for more than a few
 * milliseconds, so each shard is written as many short commands through its inbox, between
 * batches of requests; the swarm changes in between. A slice cursor by slot number would then
 * miss or repeat torrents, because deletion shifts later torrents of a probe run back and growth
 * rehashes a segment. A torrent never leaves its segment (the segment is fixed by its hash), so
 * a slice of whole segments sees every torrent of those segments exactly once, each segment as
 * of one moment. The snapshot as a whole is then a view of each segment at the time its slice
 * ran (within one save's duration), never a torrent twice or not at all. A slice ends after the
 * segment in which it passed its budget: at 10 M torrents a segment holds about 10,000.
 *
 * <p><b>Huge swarms.</b> A torrent with more peers than the budget is not encoded in the slice:
 * its peer arrays are copied ({@link DetachedTorrent}) and handed to
 * {@link SwarmSnapshotSink#detached}, which writes them later on the saving thread. Encoding the
 * top torrent of 10 M Zipf-popular peers (about 700,000 peers) in the slice held its shard for
 * 30-40 ms; the copy takes about a millisecond.
 *
 * <p><b>Local peers only</b> (cluster snapshots, issue 14): with a {@link RemoteFilter} a peer
 * that came from another node is left out, and a torrent whose peers all did. A huge torrent is
 * copied whole and marked {@linkplain DetachedTorrent#filterPending unfiltered}: its remote peers
 * are blanked later in chunks on the shard's thread (only it may ask the remote table), since a
 * lookup for each of 700,000 peers would stall the shard for most of a second.
 *
 * <p>Only on the shard's thread. Allocates nothing (but a huge torrent's copy); the sink may.
 */
final class ShardExport {
    private ShardExport() {}

    /** Tells a remote peer (another node's) from a local one; on the shard's thread. */
    interface RemoteFilter {
        boolean remote(long h0, long h1, int h2, boolean ipv6, long k0, long k1, long keyWord);
    }

    /** See {@link SwarmShard#exportSlice}. */
    static int slice(TorrentTable table, int fromSegment, int budget, int tick, SwarmSnapshotSink sink) {
        return slice(table, fromSegment, budget, tick, sink, null);
    }

    /** See {@link SwarmShard#exportLocalSlice}; {@code remote} null exports every peer. */
    static int slice(TorrentTable table, int fromSegment, int budget, int tick, SwarmSnapshotSink sink,
                     RemoteFilter remote) {
        int spent = 0;
        for (int segment = Math.max(0, fromSegment); segment < TorrentTable.SEGMENTS; segment++) {
            if (spent >= budget) return segment;
            int slots = table.slotsIn(segment);
            spent++;
            for (int local = 0; local < slots; local++) {
                int t = (segment << TorrentTable.LOCAL_BITS) | local;
                if (!table.used(t)) continue;
                spent += remote == null ? torrent(table, t, tick, budget, sink) : localTorrent(table, t, tick, budget, sink, remote);
            }
        }
        return -1;
    }

    /** Writes one torrent and its peers; returns 1 + its peers. */
    private static int torrent(TorrentTable table, int t, int tick, int budget, SwarmSnapshotSink sink) {
        long[] v6 = table.peers(t, true);
        long[] v4 = table.peers(t, false); // maybe the table's inline view: used before the next peers() call
        int count4 = PeerStore.count(v4);
        int count6 = PeerStore.count(v6);
        if (count4 + count6 > budget) {
            sink.detached(new DetachedTorrent(table.hash0(t), table.hash1(t), table.hash2(t), table.completed(t),
                v4 == null ? null : v4.clone(), v6 == null ? null : v6.clone(), tick));
            return 1 + (count4 + count6) / 64; // a copy costs about a 64th of encoding
        }
        int emptySince = table.emptySince(t);
        int emptyFor = emptySince < 0 ? 0 : age(tick, emptySince);
        sink.torrent(table.hash0(t), table.hash1(t), table.hash2(t), table.completed(t), emptyFor, count4, count6);
        if (v4 != null) peers(v4, 1, tick, sink);
        if (v6 != null) peers(v6, 3, tick, sink);
        return 1 + count4 + count6;
    }

    /** Writes one torrent's local peers, if it has any; returns 1 + its peers. */
    private static int localTorrent(TorrentTable table, int t, int tick, int budget, SwarmSnapshotSink sink,
                                    RemoteFilter remote) {
        long h0 = table.hash0(t);
        long h1 = table.hash1(t);
        int h2 = table.hash2(t);
        long[] v6 = table.peers(t, true);
        long[] v4 = table.peers(t, false); // maybe the table's inline view: used before the next peers() call
        int all = PeerStore.count(v4) + PeerStore.count(v6);
        if (all > budget) { // copied now (a millisecond at 700,000 peers), filtered later in chunks
            sink.detached(DetachedTorrent.unfiltered(h0, h1, h2, table.completed(t), v4 == null ? null : v4.clone(),
                v6 == null ? null : v6.clone(), tick));
            return 1 + all / 64;
        }
        int local4 = v4 == null ? 0 : countLocal(v4, 1, h0, h1, h2, remote);
        int local6 = v6 == null ? 0 : countLocal(v6, 3, h0, h1, h2, remote);
        if (local4 + local6 == 0) return 1 + all;
        sink.torrent(h0, h1, h2, table.completed(t), 0, local4, local6);
        if (local4 > 0) peers(v4, 1, tick, sink, h0, h1, h2, remote);
        if (local6 > 0) peers(v6, 3, tick, sink, h0, h1, h2, remote);
        return 1 + all;
    }

    private static boolean isRemote(long[] a, int base, int stride, long h0, long h1, int h2, RemoteFilter remote) {
        long last = a[base + stride - 1];
        return stride == 1 ? remote.remote(h0, h1, h2, false, 0, 0, last & ~0xFFFFL)
            : remote.remote(h0, h1, h2, true, a[base], a[base + 1], last & ~0xFFFFL);
    }

    private static int countLocal(long[] a, int stride, long h0, long h1, int h2, RemoteFilter remote) {
        int n = 0;
        int end = a[0] < 0 ? a.length : 1 + PeerStore.count(a) * stride;
        for (int base = 1; base < end; base += stride) {
            if (a[base + stride - 1] != 0 && !isRemote(a, base, stride, h0, h1, h2, remote)) n++;
        }
        return n;
    }

    private static void peers(long[] a, int stride, int tick, SwarmSnapshotSink sink, long h0, long h1, int h2,
                              RemoteFilter remote) {
        int end = a[0] < 0 ? a.length : 1 + PeerStore.count(a) * stride;
        for (int base = 1; base < end; base += stride) {
            long last = a[base + stride - 1];
            if (last == 0 || isRemote(a, base, stride, h0, h1, h2, remote)) continue;
            int port = (int) (last >>> 16) & 0xFFFF;
            boolean seeder = (last & PeerStore.SEEDER_BIT) != 0;
            int age = age(tick, (int) last & PeerStore.TICK_MASK);
            if (stride == 1) {
                sink.ipv4Peer((int) (last >>> 32), port, seeder, age);
            } else {
                sink.ipv6Peer(a[base], a[base + 1], port, seeder, age);
            }
        }
    }

    private static int age(int tick, int then) {
        return ((tick - then) & PeerStore.TICK_MASK) * PeerStore.TICK_SECONDS;
    }

    /** The records of one {@link PeerStore} array: packed (small form) or open-addressed (large). */
    static void peers(long[] a, int stride, int tick, SwarmSnapshotSink sink) {
        boolean large = a[0] < 0;
        int end = large ? a.length : 1 + PeerStore.count(a) * stride;
        for (int base = 1; base < end; base += stride) {
            long last = a[base + stride - 1];
            if (last == 0) continue; // an empty slot of the large form
            int port = (int) (last >>> 16) & 0xFFFF;
            boolean seeder = (last & PeerStore.SEEDER_BIT) != 0;
            int age = age(tick, (int) last & PeerStore.TICK_MASK);
            if (stride == 1) {
                sink.ipv4Peer((int) (last >>> 32), port, seeder, age);
            } else {
                sink.ipv6Peer(a[base], a[base + 1], port, seeder, age);
            }
        }
    }
}
