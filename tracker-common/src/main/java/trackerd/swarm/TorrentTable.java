package trackerd.swarm;

import trackerd.net.InfoHashes;

/**
 * The torrents of one shard: {@value #SEGMENTS} segments, each an open-addressing table with
 * linear probing over two interleaved arrays, so that one probe touches two cache lines:
 *
 * <pre>
 * keys:  [4s] info hash bytes 0-7   [4s+1] bytes 8-15   [4s+2] completed count (high 32) | bytes 16-19 (low 32)
 *        [4s+3] the torrent's one IPv4 peer, inline: a {@link PeerStore} IPv4 record word, 0 = none;
 *               or, for a torrent kept without peers, {@link #EMPTY_MARK} | the tick it went empty
 * peers: [s]  null, the IPv4 peer array ({@code long[]}, {@link PeerStore} layout), or, once the
 *             torrent has IPv6 peers, a {@code long[][]} {IPv4 array or null, IPv6 array}
 * </pre>
 *
 * 36 bytes a slot (references are compressed under 32 GiB heaps). A slot is in use when it has a
 * peer of either family, or when it is {@linkplain #keepEmpty kept empty}: a torrent with a
 * completed count whose last peer left stays, without peers, so that its downloads are not
 * forgotten; the cleaning pass drops it a peer timeout later ({@link #emptySince}). Its mark
 * is an IPv4 record word with address and port 0, which no peer has (port 0 is refused), so it
 * costs nothing but the slot, and any change to the torrent's peers clears it.
 *
 * <p><b>Inline peer.</b> Most torrents of a public tracker have one or two peers. A torrent whose
 * IPv4 peers are one peer keeps it in word {@code 4s+3} and has no peer array: it costs its slot
 * and nothing else (a {@code long[2]} would add 32 bytes). {@link #peers} shows such a peer to
 * {@link PeerStore} as a one-peer small-form array in a scratch array owned by the table, and
 * {@link #setPeers} folds any one-peer IPv4 array back inline, so PeerStore and the swarm rules
 * see the same arrays as ever. IPv6 peers are rarer; they pay for a 24-byte pair object instead
 * of a second reference in every slot.
 *
 * <p><b>Segmented growth.</b> A torrent's segment is 10 bits of its seeded hash (bits 32-41,
 * apart from the high bits that pick the shard and the low 32 that pick the slot). Each segment
 * grows on its own, by a quarter (capacity is not a power of two: slots are chosen by
 * multiply-shift), when its load would pass 0.8, so its load stays between 0.64 and 0.8 (0.72
 * on average: 50 bytes a one-peer torrent). Segments start at staggered sizes (32 to 39 slots,
 * one growth step), so they do not all reach their threshold at the same count: the table's
 * load stays within 0.71-0.72 as it grows past a million (0.68-0.76 unstaggered, where chance
 * alone spreads the segments), and growth comes one segment at a time, spread out. Growth
 * therefore never allocates a second copy of the whole table: at 10 M torrents in one shard a
 * segment holds about 10,000 torrents (about 500 KB of new arrays), and the longest announce
 * while filling 10 M torrents is 0.95 ms without GC. The former single table, grown by half in
 * one step, needed its old and new arrays at once (at 9.2 M torrents 368 MB + 552 MB: issue
 * 10's OutOfMemoryError in a 1 GiB heap) and stalled its swarm worker for 295 ms
 * (docs/benchmarks.md). Growing by a quarter moves each torrent about 4 times over the table's
 * life instead of 2; with segments that small it is cheap, and it buys 9 % more torrents per
 * byte (mean load 0.72, not 0.66). The price is one more dependent load per lookup (the segment's
 * arrays), and about 1.3 MB per shard at start (1,024 segments of 32-39 slots). Hashing is
 * seeded per process, so clients cannot aim torrents at one segment. Deletion shifts later
 * members of a probe run back (within the segment), so there are no tombstones.
 *
 * <p>A slot number is {@code segment << }{@value #LOCAL_BITS}{@code  | slot in segment}; it is
 * valid until the next {@link #insert} or {@link #remove}. Only on the owning swarm thread.
 */
final class TorrentTable {
    static final int SEGMENT_BITS = 10;
    static final int SEGMENTS = 1 << SEGMENT_BITS;
    static final int LOCAL_BITS = 20;
    private static final int LOCAL_MASK = (1 << LOCAL_BITS) - 1;
    /** Largest segment; a segment at it stops growing and refuses inserts past load 0.9. */
    private static final int MAX_SEGMENT_SLOTS = 1 << LOCAL_BITS;
    private static final int INITIAL_SEGMENT_SLOTS = 32;
    /** Past every slot number: {@link #next} returns it after the last slot. */
    static final int END = SEGMENTS << LOCAL_BITS;
    /**
     * Most torrents one table is asked to hold (about 750 M, load 0.7 if every segment were at
     * its largest; hashing spreads torrents evenly enough that none reaches 0.9 first): the
     * shard's bound is kept at or below it.
     */
    static final int MAX_TORRENTS = (int) ((long) SEGMENTS * MAX_SEGMENT_SLOTS / 10 * 7);
    /**
     * Word {@code 4s+3} of a torrent kept without peers: the seeder bit set (so the word is never 0
     * whatever the tick), address and port 0, the tick it went empty in the low 15 bits.
     */
    static final long EMPTY_MARK = PeerStore.SEEDER_BIT;

    // per segment: its keys and peers arrays (the peers array's length is its slot count)
    private final long[][] keys = new long[SEGMENTS][];
    private final Object[][] peers = new Object[SEGMENTS][];
    private final int[] sizes = new int[SEGMENTS];
    /** What {@link #peers} shows for an inline peer: header and the one record word. */
    private final long[] inlineView = new long[2];
    private int size;

    TorrentTable() {
        for (int i = 0; i < SEGMENTS; i++) {
            int slots = INITIAL_SEGMENT_SLOTS + (i & 7);
            keys[i] = new long[4 * slots];
            peers[i] = new Object[slots];
        }
    }

    int size() {
        return size;
    }

    /** Slots allocated over all segments (for the bench and tests). */
    long capacity() {
        long total = 0;
        for (Object[] p : peers) total += p.length;
        return total;
    }

    private static boolean used(long[] k, Object[] p, int local) {
        return p[local] != null || k[4 * local + 3] != 0;
    }

    /** Slots in one segment; slot numbers in it are {@code segment << LOCAL_BITS | 0..slotsIn-1}. */
    int slotsIn(int segment) {
        return peers[segment].length;
    }

    boolean used(int slot) {
        return used(keys[slot >>> LOCAL_BITS], peers[slot >>> LOCAL_BITS], slot & LOCAL_MASK);
    }

    /**
     * The slot after {@code slot} in walking order (segments in turn), whether in use or not;
     * {@link #END} after the last. {@code next(-1)} is the first slot.
     */
    int next(int slot) {
        int seg = slot < 0 ? 0 : slot >>> LOCAL_BITS;
        int local = slot < 0 ? 0 : (slot & LOCAL_MASK) + 1;
        while (seg < SEGMENTS) {
            if (local < peers[seg].length) return (seg << LOCAL_BITS) | local;
            seg++;
            local = 0;
        }
        return END;
    }

    /**
     * The torrent's peers of one family in {@link PeerStore} form, or null. For a torrent whose
     * one IPv4 peer is inline this is the table's scratch view, valid until the next call: pass
     * it, or what PeerStore made of it, back through {@link #setPeers}.
     */
    long[] peers(int slot, boolean ipv6) {
        int local = slot & LOCAL_MASK;
        Object ref = peers[slot >>> LOCAL_BITS][local];
        if (ipv6) return ref instanceof long[][] pair ? pair[1] : null;
        long[] array = ref instanceof long[][] pair ? pair[0] : (long[]) ref;
        if (array != null) return array;
        long record = keys[slot >>> LOCAL_BITS][4 * local + 3];
        if (!isPeerRecord(record)) return null;
        inlineView[0] = PeerStore.smallHeader(1, (record & PeerStore.SEEDER_BIT) != 0 ? 1 : 0);
        inlineView[1] = record;
        return inlineView;
    }

    /** A peer's record word, not 0 (none) or an {@link #EMPTY_MARK}: a peer's port is never 0. */
    private static boolean isPeerRecord(long word) {
        return (word & ~0xFFFFL) != 0;
    }

    /** True when the torrent has a peer of either family (false for one {@linkplain #keepEmpty kept empty}). */
    boolean hasPeers(int slot) {
        return peers[slot >>> LOCAL_BITS][slot & LOCAL_MASK] != null
            || isPeerRecord(keys[slot >>> LOCAL_BITS][4 * (slot & LOCAL_MASK) + 3]);
    }

    /**
     * Keeps a torrent whose peers all left (for its completed count), marked with the tick it
     * went empty. Only for a slot without peers; a later {@link #setPeers} clears the mark.
     */
    void keepEmpty(int slot, int tick) {
        keys[slot >>> LOCAL_BITS][4 * (slot & LOCAL_MASK) + 3] = EMPTY_MARK | (tick & PeerStore.TICK_MASK);
    }

    /** The tick a torrent kept without peers went empty, or -1 when it is not such a torrent. */
    int emptySince(int slot) {
        long word = keys[slot >>> LOCAL_BITS][4 * (slot & LOCAL_MASK) + 3];
        return word != 0 && !isPeerRecord(word) ? (int) word & PeerStore.TICK_MASK : -1;
    }

    /**
     * Stores the torrent's peers of one family; a one-peer IPv4 array goes inline. Clears an
     * {@linkplain #keepEmpty empty mark}: the caller keeps the torrent empty again if it has no
     * peers left.
     */
    void setPeers(int slot, boolean ipv6, long[] value) {
        long[] k = keys[slot >>> LOCAL_BITS];
        Object[] p = peers[slot >>> LOCAL_BITS];
        int local = slot & LOCAL_MASK;
        Object ref = p[local];
        if (!isPeerRecord(k[4 * local + 3])) k[4 * local + 3] = 0;
        long[][] pair = ref instanceof long[][] both ? both : null;
        long[] v4 = pair != null ? pair[0] : (long[]) ref;
        long[] v6 = pair != null ? pair[1] : null;
        if (ipv6) {
            v6 = value;
        } else if (value != null && value.length == 2) {
            // IPv4 records are one word: length 2 is the small form with one peer (a large
            // form has at least 2 * 17 slots)
            k[4 * local + 3] = value[1];
            v4 = null;
        } else {
            k[4 * local + 3] = 0;
            v4 = value;
        }
        if (v6 == null) {
            // a re-announce returns the same array: no store, so no GC card mark (a random line of the card table)
            if (ref != v4) p[local] = v4;
        } else if (pair != null) {
            pair[0] = v4;
            pair[1] = v6;
        } else {
            p[local] = new long[][] {v4, v6}; // the torrent's first IPv6 peers
        }
    }

    int completed(int slot) {
        return (int) (keys[slot >>> LOCAL_BITS][4 * (slot & LOCAL_MASK) + 2] >>> 32);
    }

    /** Info hash bytes 0-7 of a used slot (as in {@link SwarmRequest}). */
    long hash0(int slot) {
        return keys[slot >>> LOCAL_BITS][4 * (slot & LOCAL_MASK)];
    }

    long hash1(int slot) {
        return keys[slot >>> LOCAL_BITS][4 * (slot & LOCAL_MASK) + 1];
    }

    int hash2(int slot) {
        return (int) keys[slot >>> LOCAL_BITS][4 * (slot & LOCAL_MASK) + 2];
    }

    void countCompleted(int slot) {
        keys[slot >>> LOCAL_BITS][4 * (slot & LOCAL_MASK) + 2] += 1L << 32;
    }

    /** Sets the completed count (a restored snapshot). */
    void setCompleted(int slot, int completed) {
        long[] k = keys[slot >>> LOCAL_BITS];
        int at = 4 * (slot & LOCAL_MASK) + 2;
        k[at] = ((long) completed << 32) | (k[at] & 0xFFFF_FFFFL);
    }

    private static int segmentOf(long hash) {
        return (int) (hash >>> 32) & (SEGMENTS - 1);
    }

    private static int home(long hash, int slots) {
        return (int) (((hash & 0xFFFF_FFFFL) * slots) >>> 32);
    }

    private static int home(long[] k, int local, int slots) {
        return home(InfoHashes.hash(k[4 * local], k[4 * local + 1], (int) k[4 * local + 2]), slots);
    }

    /**
     * Reads the home slot of the torrent with this {@link InfoHashes#hash}, where {@link #find}
     * starts, and returns a value of no meaning that keeps the reads: a batch of remote changes
     * touches its torrents first so that their cache misses overlap ({@link SwarmShard#applyRemote}).
     */
    long touch(long hash) {
        int seg = segmentOf(hash);
        Object[] p = peers[seg];
        int slot = home(hash, p.length);
        return keys[seg][4 * slot] + (p[slot] == null ? 0 : 1);
    }

    /** The torrent's slot, or -1. */
    int find(long h0, long h1, int h2) {
        return find(InfoHashes.hash(h0, h1, h2), h0, h1, h2);
    }

    /** {@link #find} with the torrent's {@link InfoHashes#hash} already computed. */
    int find(long hash, long h0, long h1, int h2) {
        int seg = segmentOf(hash);
        long[] k = keys[seg];
        Object[] p = peers[seg];
        int slots = p.length;
        int slot = home(hash, slots);
        while (used(k, p, slot)) {
            int at = 4 * slot;
            if (k[at] == h0 && k[at + 1] == h1 && (int) k[at + 2] == h2) return (seg << LOCAL_BITS) | slot;
            if (++slot == slots) slot = 0;
        }
        return -1;
    }

    /**
     * Claims a slot for a torrent that {@link #find} did not find, growing its segment first if
     * it is 80 % full. The caller must give it peers before the next call, or {@link #remove} it.
     * Returns -1 only when the segment is at its largest and 90 % full (past
     * {@link #MAX_TORRENTS} in practice): the caller refuses the torrent.
     */
    int insert(long h0, long h1, int h2) {
        long hash = InfoHashes.hash(h0, h1, h2);
        int seg = segmentOf(hash);
        int slots = peers[seg].length;
        if ((long) (sizes[seg] + 1) * 5 > (long) slots * 4) { // load past 0.8
            if (slots < MAX_SEGMENT_SLOTS) {
                grow(seg);
                slots = peers[seg].length;
            } else if ((long) (sizes[seg] + 1) * 10 > (long) slots * 9) {
                return -1;
            }
        }
        long[] k = keys[seg];
        Object[] p = peers[seg];
        int slot = home(hash, slots);
        while (used(k, p, slot)) {
            if (++slot == slots) slot = 0;
        }
        int at = 4 * slot;
        k[at] = h0;
        k[at + 1] = h1;
        k[at + 2] = h2 & 0xFFFF_FFFFL;
        k[at + 3] = 0;
        sizes[seg]++;
        size++;
        return (seg << LOCAL_BITS) | slot;
    }

    /** Frees the slot (its torrent has no peers left, or never got one, or was kept empty long enough). */
    void remove(int slot) {
        int seg = slot >>> LOCAL_BITS;
        long[] k = keys[seg];
        Object[] p = peers[seg];
        int slots = p.length;
        sizes[seg]--;
        size--;
        int hole = slot & LOCAL_MASK;
        int j = hole;
        clear(k, p, hole);
        while (true) {
            if (++j == slots) j = 0;
            if (!used(k, p, j)) break;
            int home = home(k, j, slots);
            int fromHome = j - home < 0 ? j - home + slots : j - home;
            int fromHole = j - hole < 0 ? j - hole + slots : j - hole;
            if (fromHome >= fromHole) {
                System.arraycopy(k, 4 * j, k, 4 * hole, 4);
                p[hole] = p[j];
                clear(k, p, j);
                hole = j;
            }
        }
    }

    private static void clear(long[] k, Object[] p, int local) {
        p[local] = null;
        k[4 * local + 2] = 0;
        k[4 * local + 3] = 0;
    }

    /** Rehashes one segment into arrays a quarter larger; the others are not touched. */
    private void grow(int seg) {
        long[] oldKeys = keys[seg];
        Object[] oldPeers = peers[seg];
        int slots = (int) Math.min(MAX_SEGMENT_SLOTS, oldPeers.length * 5L / 4 + 1);
        long[] k = new long[4 * slots];
        Object[] p = new Object[slots];
        for (int i = 0; i < oldPeers.length; i++) {
            if (!used(oldKeys, oldPeers, i)) continue;
            int slot = home(oldKeys, i, slots);
            while (used(k, p, slot)) {
                if (++slot == slots) slot = 0;
            }
            System.arraycopy(oldKeys, 4 * i, k, 4 * slot, 4);
            p[slot] = oldPeers[i];
        }
        keys[seg] = k;
        peers[seg] = p;
    }
}
