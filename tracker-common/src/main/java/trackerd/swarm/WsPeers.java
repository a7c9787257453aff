package trackerd.swarm;

import java.util.Arrays;

/**
 * The WebTorrent peers of one torrent in a single {@code long[]}: no object per peer, 32 bytes a
 * peer plus the array's slack (it doubles and halves).
 *
 * <pre>
 * word 0: header  [63..32 seeder count][31..0 peer count]
 * then 4 words per peer, packed at the front (swap-remove keeps them so):
 *   w0 peer id bytes 0-7        w1 peer id bytes 8-15
 *   w2 [63..48 event loop index][47 seeder][46..32 announce tick][31..0 peer id bytes 16-19]
 *   w3 connection token on that loop (ConnectionRegistry: generation | slot)
 * </pre>
 *
 * A peer of another cluster node (issue 14) has event loop index {@link RelayBlock#REMOTE_LOOP}
 * and that node's origin index in w3: offers to it cross Redis to that node.
 *
 * A peer is found by a scan of its torrent's peers: a browser swarm is small (the JS client asks
 * for at most 10-ish peers and trackers cap swarms with {@code limits.max_peers_per_torrent}), and
 * one scan answers both "is this peer id here" and "does this connection hold another one".
 * Only on the owning swarm thread.
 */
final class WsPeers {
    static final int STRIDE = 4;
    private static final int FIRST_ROOM = 2;
    static final long SEEDER = 1L << 47;

    private WsPeers() {}

    static int count(long[] a) {
        return a == null ? 0 : (int) a[0];
    }

    static int seeders(long[] a) {
        return a == null ? 0 : (int) (a[0] >>> 32);
    }

    static int at(int i) {
        return 1 + STRIDE * i;
    }

    static long word2(int p2, int tick, boolean seeder, int loop) {
        return (p2 & 0xFFFF_FFFFL) | ((long) (tick & PeerStore.TICK_MASK) << 32) | (seeder ? SEEDER : 0)
            | ((long) (loop & 0xFFFF) << 48);
    }

    static int loop(long[] a, int i) {
        return (int) (a[at(i) + 2] >>> 48);
    }

    static long connection(long[] a, int i) {
        return a[at(i) + 3];
    }

    static boolean seeder(long[] a, int i) {
        return (a[at(i) + 2] & SEEDER) != 0;
    }

    static int tick(long[] a, int i) {
        return (int) (a[at(i) + 2] >>> 32) & PeerStore.TICK_MASK;
    }

    static int peer2(long[] a, int i) {
        return (int) a[at(i) + 2];
    }

    /** The index of peer id (p0, p1, p2), or -1. */
    static int find(long[] a, long p0, long p1, int p2) {
        for (int i = 0, n = count(a); i < n; i++) {
            int w = at(i);
            if (a[w] == p0 && a[w + 1] == p1 && (int) a[w + 2] == p2) return i;
        }
        return -1;
    }

    /** The index of the peer that connection (loop, token) holds, or -1. */
    static int findConnection(long[] a, int loop, long connection) {
        for (int i = 0, n = count(a); i < n; i++) {
            if (a[at(i) + 3] == connection && loop(a, i) == loop) return i;
        }
        return -1;
    }

    /** Appends a peer, growing the array when full; returns the (possibly new) array. */
    static long[] add(long[] a, long p0, long p1, int p2, int tick, boolean seeder, int loop, long connection) {
        int n = count(a);
        if (a == null) {
            a = new long[1 + STRIDE * FIRST_ROOM];
        } else if (at(n) + STRIDE > a.length) {
            a = Arrays.copyOf(a, 1 + STRIDE * 2 * n);
        }
        int w = at(n);
        a[w] = p0;
        a[w + 1] = p1;
        a[w + 2] = word2(p2, tick, seeder, loop);
        a[w + 3] = connection;
        a[0] = ((long) (seeders(a) + (seeder ? 1 : 0)) << 32) | (n + 1);
        return a;
    }

    /**
     * Moves peer i to another holder: a local connection (loop, token), or another node
     * ({@link RelayBlock#REMOTE_LOOP}, origin index).
     */
    static void setHolder(long[] a, int i, int loop, long connection) {
        int w = at(i);
        a[w + 2] = (a[w + 2] & ~(0xFFFFL << 48)) | ((long) (loop & 0xFFFF) << 48);
        a[w + 3] = connection;
    }

    /** Peer i is held by another node of the cluster (its connection word is that node's origin index). */
    static boolean remote(long[] a, int i) {
        return loop(a, i) == RelayBlock.REMOTE_LOOP;
    }

    /** Refreshes peer i's tick and seeder flag (its connection stays). */
    static void update(long[] a, int i, int tick, boolean seeder) {
        int w = at(i);
        boolean was = (a[w + 2] & SEEDER) != 0;
        a[w + 2] = word2((int) a[w + 2], tick, seeder, loop(a, i));
        if (was != seeder) a[0] += seeder ? 1L << 32 : -(1L << 32);
    }

    /**
     * Removes peer i (the last peer moves into its place); returns the array, smaller when a
     * quarter full, or null when no peer is left.
     */
    static long[] remove(long[] a, int i) {
        int n = count(a);
        if (n == 1) return null;
        boolean seeder = seeder(a, i);
        System.arraycopy(a, at(n - 1), a, at(i), STRIDE);
        Arrays.fill(a, at(n - 1), at(n - 1) + STRIDE, 0);
        a[0] = ((long) (seeders(a) - (seeder ? 1 : 0)) << 32) | (n - 1);
        int room = (a.length - 1) / STRIDE;
        if (room > FIRST_ROOM && (n - 1) * 4 <= room) a = Arrays.copyOf(a, 1 + STRIDE * (room / 2));
        return a;
    }
}
