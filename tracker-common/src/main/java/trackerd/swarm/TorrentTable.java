package trackerd.swarm;

import trackerd.net.InfoHashes;

/**
 * The torrents of one shard: {@value #SEGMENTS} segments, each an open-addressing table with
 * linear probing over two interleaved arrays, so that one probe touches two cache lines:
 *
 * <pre>
 * keys:  [4s] info hash bytes 0-7   [4s+1] bytes 8-15   [4s+2] completed count (high 32) | bytes 16-19 (low 32)
 *        [4s+3] the torrent's one IPv4 peer, inline: a {@link PeerStore} IPv4 record word, 0 = none
 * peers: [s]  null, the IPv4 peer array ({@code long[]}, {@link PeerStore} layout), or, once the
 *             torrent has IPv6 peers, a {@code long[][]} {IPv4 array or null, IPv6 array}
 * </pre>
 *
 * 36 bytes a slot (references are compressed under 32 GiB heaps). A slot is in use exactly when
 * it has a peer of either family: torrents without peers are removed at once.
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
 * byte (mean load 0.72, not 0.66). The price is one more dependent load per lookup (the segment
 * object), and about 1.3 MB per shard at start (1,024 segments of 32-39 slots). Hashing is
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

    private static final class Segment {
        final long[] keys;
        final Object[] peers;
        final int slots;
        int size;

        Segment(int slotCount) {
            slots = slotCount;
            keys = new long[4 * slotCount];
            peers = new Object[slotCount];
        }

        boolean used(int slot) {
            return peers[slot] != null || keys[4 * slot + 3] != 0;
        }
    }

    private final Segment[] segments = new Segment[SEGMENTS];
    /** What {@link #peers} shows for an inline peer: header and the one record word. */
    private final long[] inlineView = new long[2];
    private int size;

    TorrentTable() {
        for (int i = 0; i < SEGMENTS; i++) segments[i] = new Segment(INITIAL_SEGMENT_SLOTS + (i & 7));
    }

    int size() {
        return size;
    }

    /** Slots allocated over all segments (for the bench and tests). */
    long capacity() {
        long total = 0;
        for (Segment s : segments) total += s.slots;
        return total;
    }

    private Segment segment(int slot) {
        return segments[slot >>> LOCAL_BITS];
    }

    boolean used(int slot) {
        return segment(slot).used(slot & LOCAL_MASK);
    }

    /**
     * The slot after {@code slot} in walking order (segments in turn), whether in use or not;
     * {@link #END} after the last. {@code next(-1)} is the first slot.
     */
    int next(int slot) {
        int seg = slot < 0 ? 0 : slot >>> LOCAL_BITS;
        int local = slot < 0 ? 0 : (slot & LOCAL_MASK) + 1;
        while (seg < SEGMENTS) {
            if (local < segments[seg].slots) return (seg << LOCAL_BITS) | local;
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
        Segment s = segment(slot);
        int local = slot & LOCAL_MASK;
        Object ref = s.peers[local];
        if (ipv6) return ref instanceof long[][] pair ? pair[1] : null;
        long[] array = ref instanceof long[][] pair ? pair[0] : (long[]) ref;
        if (array != null) return array;
        long record = s.keys[4 * local + 3];
        if (record == 0) return null;
        inlineView[0] = PeerStore.smallHeader(1, (record & PeerStore.SEEDER_BIT) != 0 ? 1 : 0);
        inlineView[1] = record;
        return inlineView;
    }

    /** Stores the torrent's peers of one family; a one-peer IPv4 array goes inline. */
    void setPeers(int slot, boolean ipv6, long[] value) {
        Segment s = segment(slot);
        int local = slot & LOCAL_MASK;
        Object ref = s.peers[local];
        long[][] pair = ref instanceof long[][] p ? p : null;
        long[] v4 = pair != null ? pair[0] : (long[]) ref;
        long[] v6 = pair != null ? pair[1] : null;
        if (ipv6) {
            v6 = value;
        } else if (value != null && value.length == 2) {
            // IPv4 records are one word: length 2 is the small form with one peer (a large
            // form has at least 2 * 17 slots)
            s.keys[4 * local + 3] = value[1];
            v4 = null;
        } else {
            s.keys[4 * local + 3] = 0;
            v4 = value;
        }
        if (v6 == null) {
            s.peers[local] = v4;
        } else if (pair != null) {
            pair[0] = v4;
            pair[1] = v6;
        } else {
            s.peers[local] = new long[][] {v4, v6}; // the torrent's first IPv6 peers
        }
    }

    int completed(int slot) {
        return (int) (segment(slot).keys[4 * (slot & LOCAL_MASK) + 2] >>> 32);
    }

    void countCompleted(int slot) {
        segment(slot).keys[4 * (slot & LOCAL_MASK) + 2] += 1L << 32;
    }

    private static int segmentOf(long hash) {
        return (int) (hash >>> 32) & (SEGMENTS - 1);
    }

    private static int home(long hash, int slots) {
        return (int) (((hash & 0xFFFF_FFFFL) * slots) >>> 32);
    }

    private static boolean matches(long[] keys, int slot, long h0, long h1, int h2) {
        int k = 4 * slot;
        return keys[k] == h0 && keys[k + 1] == h1 && (int) keys[k + 2] == h2;
    }

    /** The torrent's slot, or -1. */
    int find(long h0, long h1, int h2) {
        long hash = InfoHashes.hash(h0, h1, h2);
        int seg = segmentOf(hash);
        Segment s = segments[seg];
        int slot = home(hash, s.slots);
        while (s.used(slot)) {
            if (matches(s.keys, slot, h0, h1, h2)) return (seg << LOCAL_BITS) | slot;
            if (++slot == s.slots) slot = 0;
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
        Segment s = segments[seg];
        if ((long) (s.size + 1) * 5 > (long) s.slots * 4) { // load past 0.8
            if (s.slots < MAX_SEGMENT_SLOTS) {
                s = grow(seg);
            } else if ((long) (s.size + 1) * 10 > (long) s.slots * 9) {
                return -1;
            }
        }
        int slot = home(hash, s.slots);
        while (s.used(slot)) {
            if (++slot == s.slots) slot = 0;
        }
        int k = 4 * slot;
        s.keys[k] = h0;
        s.keys[k + 1] = h1;
        s.keys[k + 2] = h2 & 0xFFFF_FFFFL;
        s.keys[k + 3] = 0;
        s.size++;
        size++;
        return (seg << LOCAL_BITS) | slot;
    }

    /** Frees the slot (its torrent has no peers left, or never got one). */
    void remove(int slot) {
        Segment s = segment(slot);
        s.size--;
        size--;
        int hole = slot & LOCAL_MASK;
        int j = hole;
        clear(s, hole);
        while (true) {
            if (++j == s.slots) j = 0;
            if (!s.used(j)) break;
            int home = home(InfoHashes.hash(s.keys[4 * j], s.keys[4 * j + 1], (int) s.keys[4 * j + 2]), s.slots);
            int fromHome = j - home < 0 ? j - home + s.slots : j - home;
            int fromHole = j - hole < 0 ? j - hole + s.slots : j - hole;
            if (fromHome >= fromHole) {
                move(s, j, hole);
                hole = j;
            }
        }
    }

    private static void move(Segment s, int from, int to) {
        System.arraycopy(s.keys, 4 * from, s.keys, 4 * to, 4);
        s.peers[to] = s.peers[from];
        clear(s, from);
    }

    private static void clear(Segment s, int slot) {
        s.peers[slot] = null;
        s.keys[4 * slot + 2] = 0;
        s.keys[4 * slot + 3] = 0;
    }

    /** Rehashes one segment into arrays a quarter larger; the others are not touched. */
    private Segment grow(int seg) {
        Segment old = segments[seg];
        Segment s = new Segment((int) Math.min(MAX_SEGMENT_SLOTS, old.slots * 5L / 4 + 1));
        s.size = old.size;
        for (int i = 0; i < old.slots; i++) {
            if (!old.used(i)) continue;
            int slot = home(InfoHashes.hash(old.keys[4 * i], old.keys[4 * i + 1], (int) old.keys[4 * i + 2]), s.slots);
            while (s.used(slot)) {
                if (++slot == s.slots) slot = 0;
            }
            System.arraycopy(old.keys, 4 * i, s.keys, 4 * slot, 4);
            s.peers[slot] = old.peers[i];
        }
        segments[seg] = s;
        return s;
    }
}
