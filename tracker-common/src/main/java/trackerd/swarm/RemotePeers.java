package trackerd.swarm;

import java.util.Arrays;
import trackerd.net.InfoHashes;

/**
 * Which peers of one shard and family came from another node, and from which: a side table next
 * to {@link PeerStore}, whose records have no room for an origin. A peer is in the store exactly
 * once, local or remote; it is remote while this table holds it.
 *
 * <pre>
 * one entry, 4 words (IPv4) or 6 (IPv6):
 *   word 0: info hash bytes 0-7     word 1: bytes 8-15
 *   word 2: [63..32 info hash bytes 16-19][31..16 origin + 1 (0 = empty slot)][15 zero][14..0 tick]
 *   word 3: the peer's {@link PeerStore} key word      words 4-5 (IPv6): the address
 * </pre>
 *
 * {@value #SEGMENTS} segments (picked by the top 8 bits of a seeded hash, allocated at their
 * first entry), each an open-addressing table with linear probing and backward-shift deletion,
 * load kept at or below 0.75 by doubling that segment alone: as with {@link TorrentTable}, growth
 * never copies the whole table (one table of 1.5 M entries took 67-170 ms to double).
 *
 * <p>Why the whole key and not a fingerprint: losing a node ({@link SwarmShard#dropOrigin}) must
 * find its peers in the store, and the full key finds each with one torrent lookup instead of a
 * walk over every peer of the shard. It costs 32 bytes an IPv4 entry (48 IPv6) over 0.375-0.75
 * load: 43-85 bytes a remote IPv4 peer, on top of its 8-byte record (ClusterShardTest measures it).
 *
 * <p>The tick is the one written into the peer's store record, so a remote peer and its entry
 * expire by the same rule; stale entries (the peer expired or was purged) are removed by the
 * cleaning pass's sweep ({@link #expire}). Positions ({@code segment << 22 | slot}) walk the
 * table in order ({@link #next}); a walk that sees {@link #growths()} change restarts the segment
 * it is in. Only on the shard's thread.
 */
final class RemotePeers {
    static final int SEGMENT_BITS = 8;
    static final int SEGMENTS = 1 << SEGMENT_BITS;
    private static final int LOCAL_BITS = 22;
    private static final int LOCAL_MASK = (1 << LOCAL_BITS) - 1;
    private static final int INITIAL_SLOTS = 16;
    /** Past every position: {@link #next} returns it after the last slot. */
    static final int END = SEGMENTS << LOCAL_BITS;
    private static final int ORIGIN_SHIFT = 16;
    /** Origins are 0..65534 (stored plus one). */
    static final int MAX_ORIGIN = 0xFFFE;

    private final int stride;
    private final long seed;
    private final long[][] words = new long[SEGMENTS][];
    private final int[] slots = new int[SEGMENTS];
    private final int[] sizes = new int[SEGMENTS];
    private int size;
    private int growths;

    RemotePeers(boolean ipv6, long seed) {
        this.stride = ipv6 ? 6 : 4;
        this.seed = seed;
    }

    int size() {
        return size;
    }

    /** Segment growths so far: a walk that sees it change restarts its segment. */
    int growths() {
        return growths;
    }

    /** Bytes held by the table's arrays (for the memory figure). */
    long bytes() {
        long total = 16L + 4L * SEGMENTS + 16;
        for (long[] w : words) total += w == null ? 0 : 16L + 8L * w.length;
        return total;
    }

    /**
     * An entry's hash from its torrent's {@link InfoHashes#hash} (which a remote change computes
     * for the torrent table anyway) and the peer's key. The IPv6 address goes through the mix after
     * the seed before the port joins it, as in {@link PeerStore}: a client owning a /64 cannot
     * solve for addresses and ports that hash alike.
     */
    long hash(long torrentHash, long k0, long k1, long key) {
        long peer = stride == 4 ? key : InfoHashes.mix(InfoHashes.mix(k0 ^ seed) ^ k1) ^ key;
        return InfoHashes.mix(torrentHash ^ seed ^ InfoHashes.mix(peer));
    }

    private long hash(long h0, long h1, int h2, long k0, long k1, long key) {
        return hash(InfoHashes.hash(h0, h1, h2), k0, k1, key);
    }

    private static int segmentOf(long hash) {
        return (int) (hash >>> (64 - SEGMENT_BITS));
    }

    private static int home(long hash, int slots) {
        return (int) (((hash & 0xFFFF_FFFFL) * slots) >>> 32);
    }

    private boolean matches(long[] w, int base, long h0, long h1, int h2, long k0, long k1, long key) {
        return w[base + 3] == key && w[base] == h0 && w[base + 1] == h1 && (int) (w[base + 2] >>> 32) == h2
            && (stride == 4 || (w[base + 4] == k0 && w[base + 5] == k1));
    }

    private static boolean used(long word2) {
        return (word2 & 0xFFFF_0000L) != 0;
    }

    /** Position of the peer ({@link #originAt}, {@link #putAt}, {@link #removeAt}), or -1. */
    int find(long h0, long h1, int h2, long k0, long k1, long key) {
        return find(hash(h0, h1, h2, k0, k1, key), h0, h1, h2, k0, k1, key);
    }

    /** {@link #find} with the entry's {@link #hash(long, long, long, long)} already computed. */
    int find(long hash, long h0, long h1, int h2, long k0, long k1, long key) {
        int seg = segmentOf(hash);
        long[] w = words[seg];
        if (w == null) return -1;
        int n = slots[seg];
        int slot = home(hash, n);
        while (used(w[slot * stride + 2])) {
            if (matches(w, slot * stride, h0, h1, h2, k0, k1, key)) return (seg << LOCAL_BITS) | slot;
            if (++slot == n) slot = 0;
        }
        return -1;
    }

    /**
     * Reads the home slot of the entry with this {@link #hash(long, long, long, long)}, where
     * {@link #find} starts (see {@link TorrentTable#touch}).
     */
    long touch(long hash) {
        int seg = segmentOf(hash);
        long[] w = words[seg];
        return w == null ? 0 : w[home(hash, slots[seg]) * stride + 2];
    }

    /** The peer's origin, or -1 when it is not a remote peer. */
    int origin(long h0, long h1, int h2, long k0, long k1, long key) {
        if (size == 0) return -1;
        int pos = find(h0, h1, h2, k0, k1, key);
        return pos < 0 ? -1 : originAt(pos);
    }

    /** Records the peer as remote, from {@code origin}, last announced at {@code tick}. */
    void put(long h0, long h1, int h2, long k0, long k1, long key, int origin, int tick) {
        long hash = hash(h0, h1, h2, k0, k1, key);
        putAt(size == 0 ? -1 : find(hash, h0, h1, h2, k0, k1, key), hash, h0, h1, h2, k0, k1, key, origin, tick);
    }

    /**
     * {@link #put} where {@code pos} is what {@link #find} returned for the same peer, with no change
     * since, and {@code hash} its {@link #hash(long, long, long, long)}.
     */
    void putAt(int pos, long hash, long h0, long h1, int h2, long k0, long k1, long key, int origin, int tick) {
        long word2 = ((long) h2 << 32) | ((long) (origin + 1) << ORIGIN_SHIFT) | (tick & PeerStore.TICK_MASK);
        if (pos >= 0) {
            words[pos >>> LOCAL_BITS][(pos & LOCAL_MASK) * stride + 2] = word2;
            return;
        }
        int seg = segmentOf(hash);
        if (words[seg] == null) {
            slots[seg] = INITIAL_SLOTS;
            words[seg] = new long[INITIAL_SLOTS * stride];
        } else if ((sizes[seg] + 1) * 4L > slots[seg] * 3L) {
            grow(seg);
        }
        long[] w = words[seg];
        int n = slots[seg];
        int slot = home(hash, n);
        while (used(w[slot * stride + 2])) {
            if (++slot == n) slot = 0;
        }
        int base = slot * stride;
        w[base] = h0;
        w[base + 1] = h1;
        w[base + 2] = word2;
        w[base + 3] = key;
        if (stride == 6) {
            w[base + 4] = k0;
            w[base + 5] = k1;
        }
        sizes[seg]++;
        size++;
    }

    /** Forgets the peer (it left, or a local announce made it local); false if it was not remote. */
    boolean remove(long h0, long h1, int h2, long k0, long k1, long key) {
        if (size == 0) return false;
        return removeAt(find(h0, h1, h2, k0, k1, key));
    }

    /** {@link #remove} where {@code pos} is what {@link #find} returned for the peer, with no change since. */
    boolean removeAt(int pos) {
        if (pos < 0) return false;
        removeSlot(pos);
        return true;
    }

    /**
     * The position after {@code pos} in walking order (segments in turn, empty slots included),
     * {@link #END} after the last; {@code next(-1)} is the first.
     */
    int next(int pos) {
        int seg = pos < 0 ? 0 : pos >>> LOCAL_BITS;
        int local = pos < 0 ? 0 : (pos & LOCAL_MASK) + 1;
        while (seg < SEGMENTS) {
            if (words[seg] != null && local < slots[seg]) return (seg << LOCAL_BITS) | local;
            seg++;
            local = 0;
        }
        return END;
    }

    /** The first position of {@code pos}'s segment (a walk restarts there after a growth). */
    static int segmentStart(int pos) {
        return pos & ~LOCAL_MASK;
    }

    private long word(int pos, int offset) {
        return words[pos >>> LOCAL_BITS][(pos & LOCAL_MASK) * stride + offset];
    }

    boolean usedAt(int pos) {
        long[] w = words[pos >>> LOCAL_BITS];
        int local = pos & LOCAL_MASK;
        return w != null && local < slots[pos >>> LOCAL_BITS] && used(w[local * stride + 2]);
    }

    int originAt(int pos) {
        return (int) (word(pos, 2) >>> ORIGIN_SHIFT & 0xFFFF) - 1;
    }

    int tickAt(int pos) {
        return (int) word(pos, 2) & PeerStore.TICK_MASK;
    }

    long hash0At(int pos) {
        return word(pos, 0);
    }

    long hash1At(int pos) {
        return word(pos, 1);
    }

    int hash2At(int pos) {
        return (int) (word(pos, 2) >>> 32);
    }

    long keyAt(int pos) {
        return word(pos, 3);
    }

    long address0At(int pos) {
        return stride == 6 ? word(pos, 4) : 0;
    }

    long address1At(int pos) {
        return stride == 6 ? word(pos, 5) : 0;
    }

    /**
     * Removes the entry at {@code pos}; a later member of its probe run may shift into it, so a
     * walk looks at the same position again.
     */
    void removeSlot(int pos) {
        int seg = pos >>> LOCAL_BITS;
        long[] w = words[seg];
        int n = slots[seg];
        int hole = pos & LOCAL_MASK;
        int j = hole;
        while (true) {
            if (++j == n) j = 0;
            int base = j * stride;
            if (!used(w[base + 2])) break;
            int home = home(hash(w[base], w[base + 1], (int) (w[base + 2] >>> 32), stride == 6 ? w[base + 4] : 0,
                stride == 6 ? w[base + 5] : 0, w[base + 3]), n);
            int fromHome = j - home < 0 ? j - home + n : j - home;
            int fromHole = j - hole < 0 ? j - hole + n : j - hole;
            if (fromHome >= fromHole) {
                System.arraycopy(w, base, w, hole * stride, stride);
                hole = j;
            }
        }
        Arrays.fill(w, hole * stride, hole * stride + stride, 0L);
        sizes[seg]--;
        size--;
    }

    /**
     * Removes entries at least {@code timeoutTicks} old among about {@code budget} positions from
     * {@code pos}; returns the position to go on from, or {@link #END}.
     */
    int expire(int pos, int budget, int nowTick, int timeoutTicks) {
        for (int spent = 0; pos != END && spent < budget; spent++) {
            if (usedAt(pos) && ((nowTick - tickAt(pos)) & PeerStore.TICK_MASK) >= timeoutTicks) {
                removeSlot(pos); // look at the same position again
            } else {
                pos = next(pos);
            }
        }
        return pos;
    }

    /** Doubles one segment; the others are not touched. */
    private void grow(int seg) {
        long[] old = words[seg];
        int oldSlots = slots[seg];
        int n = oldSlots * 2;
        long[] w = new long[n * stride];
        for (int s = 0; s < oldSlots; s++) {
            int base = s * stride;
            if (!used(old[base + 2])) continue;
            int slot = home(hash(old[base], old[base + 1], (int) (old[base + 2] >>> 32),
                stride == 6 ? old[base + 4] : 0, stride == 6 ? old[base + 5] : 0, old[base + 3]), n);
            while (used(w[slot * stride + 2])) {
                if (++slot == n) slot = 0;
            }
            System.arraycopy(old, base, w, slot * stride, stride);
        }
        words[seg] = w;
        slots[seg] = n;
        growths++;
    }
}
