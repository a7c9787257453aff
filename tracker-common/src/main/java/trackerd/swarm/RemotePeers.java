package trackerd.swarm;

import trackerd.net.InfoHashes;

/**
 * Which peers of one shard and family came from another node, and from which: a side table next
 * to {@link PeerStore}, whose records have no room for an origin. A peer is in the store exactly
 * once, local or remote; it is remote while this table holds it. Open addressing, linear probing,
 * backward-shift deletion, load kept at or below 0.75 (grown by doubling; it never shrinks).
 *
 * <pre>
 * one entry, 4 words (IPv4) or 6 (IPv6):
 *   word 0: info hash bytes 0-7     word 1: bytes 8-15
 *   word 2: [63..32 info hash bytes 16-19][31..16 origin + 1 (0 = empty slot)][15 zero][14..0 tick]
 *   word 3: the peer's {@link PeerStore} key word      words 4-5 (IPv6): the address
 * </pre>
 *
 * Why the whole key and not a fingerprint: losing a node ({@link SwarmShard#dropOrigin}) must find
 * its peers in the store, and the full key finds each with one torrent lookup instead of a walk
 * over every peer of the shard. It costs 32 bytes an IPv4 entry (48 IPv6) over 0.375-0.75 load:
 * 43-85 bytes a remote IPv4 peer, on top of its 8-byte record (measured in RemotePeersTest).
 *
 * <p>The tick is the one written into the peer's store record, so a remote peer and its entry
 * expire by the same rule; stale entries (the peer expired or was purged) are removed by the
 * cleaning pass's sweep ({@link #expire}). Only on the shard's thread.
 */
final class RemotePeers {
    private static final int INITIAL_SLOTS = 64;
    private static final int ORIGIN_SHIFT = 16;
    /** Origins are 0..65534 (stored plus one). */
    static final int MAX_ORIGIN = 0xFFFE;

    private final int stride;
    private final long seed;
    private long[] words;
    private int slots;
    private int size;

    RemotePeers(boolean ipv6, long seed) {
        this.stride = ipv6 ? 6 : 4;
        this.seed = seed;
        this.slots = INITIAL_SLOTS;
        this.words = new long[slots * stride];
    }

    int size() {
        return size;
    }

    /** Bytes held by the table's array (for the memory figure). */
    long bytes() {
        return 16L + 8L * words.length;
    }

    private int home(long h0, long h1, int h2, long k0, long k1, long key, int slots) {
        long h = InfoHashes.mix(h0 ^ seed) ^ InfoHashes.mix(h1 + h2) ^ InfoHashes.mix(key ^ (k0 * 0x9E3779B97F4A7C15L) ^ k1);
        return (int) (((InfoHashes.mix(h) & 0xFFFF_FFFFL) * slots) >>> 32);
    }

    private boolean matches(int base, long h0, long h1, int h2, long k0, long k1, long key) {
        long[] w = words;
        return w[base + 3] == key && w[base] == h0 && w[base + 1] == h1 && (int) (w[base + 2] >>> 32) == h2
            && (stride == 4 || (w[base + 4] == k0 && w[base + 5] == k1));
    }

    private static boolean used(long word2) {
        return (word2 & 0xFFFF_0000L) != 0;
    }

    /** Slot of the peer, or -1. */
    private int find(long h0, long h1, int h2, long k0, long k1, long key) {
        int slot = home(h0, h1, h2, k0, k1, key, slots);
        while (used(words[slot * stride + 2])) {
            if (matches(slot * stride, h0, h1, h2, k0, k1, key)) return slot;
            if (++slot == slots) slot = 0;
        }
        return -1;
    }

    /** The peer's origin, or -1 when it is not a remote peer. */
    int origin(long h0, long h1, int h2, long k0, long k1, long key) {
        if (size == 0) return -1;
        int slot = find(h0, h1, h2, k0, k1, key);
        return slot < 0 ? -1 : originAt(slot);
    }

    /** Records the peer as remote, from {@code origin}, last announced at {@code tick}. */
    void put(long h0, long h1, int h2, long k0, long k1, long key, int origin, int tick) {
        long word2 = ((long) h2 << 32) | ((long) (origin + 1) << ORIGIN_SHIFT) | (tick & PeerStore.TICK_MASK);
        int slot = size == 0 ? -1 : find(h0, h1, h2, k0, k1, key);
        if (slot >= 0) {
            words[slot * stride + 2] = word2;
            return;
        }
        if ((size + 1) * 4L > slots * 3L) grow();
        slot = home(h0, h1, h2, k0, k1, key, slots);
        while (used(words[slot * stride + 2])) {
            if (++slot == slots) slot = 0;
        }
        int base = slot * stride;
        words[base] = h0;
        words[base + 1] = h1;
        words[base + 2] = word2;
        words[base + 3] = key;
        if (stride == 6) {
            words[base + 4] = k0;
            words[base + 5] = k1;
        }
        size++;
    }

    /** Forgets the peer (it left, or a local announce made it local); false if it was not remote. */
    boolean remove(long h0, long h1, int h2, long k0, long k1, long key) {
        if (size == 0) return false;
        int slot = find(h0, h1, h2, k0, k1, key);
        if (slot < 0) return false;
        removeSlot(slot);
        return true;
    }

    /** Slots in the table; entries are at {@code slot} where {@link #usedAt} holds. */
    int slots() {
        return slots;
    }

    boolean usedAt(int slot) {
        return used(words[slot * stride + 2]);
    }

    int originAt(int slot) {
        return (int) (words[slot * stride + 2] >>> ORIGIN_SHIFT & 0xFFFF) - 1;
    }

    int tickAt(int slot) {
        return (int) words[slot * stride + 2] & PeerStore.TICK_MASK;
    }

    long hash0At(int slot) {
        return words[slot * stride];
    }

    long hash1At(int slot) {
        return words[slot * stride + 1];
    }

    int hash2At(int slot) {
        return (int) (words[slot * stride + 2] >>> 32);
    }

    long keyAt(int slot) {
        return words[slot * stride + 3];
    }

    long address0At(int slot) {
        return stride == 6 ? words[slot * stride + 4] : 0;
    }

    long address1At(int slot) {
        return stride == 6 ? words[slot * stride + 5] : 0;
    }

    /**
     * Removes the entry at {@code slot}; a later member of its probe run may shift into it, so a
     * walk looks at the same slot again.
     */
    void removeSlot(int hole) {
        long[] w = words;
        int j = hole;
        while (true) {
            if (++j == slots) j = 0;
            int base = j * stride;
            if (!used(w[base + 2])) break;
            int home = home(w[base], w[base + 1], (int) (w[base + 2] >>> 32), stride == 6 ? w[base + 4] : 0,
                stride == 6 ? w[base + 5] : 0, w[base + 3], slots);
            int fromHome = j - home < 0 ? j - home + slots : j - home;
            int fromHole = j - hole < 0 ? j - hole + slots : j - hole;
            if (fromHome >= fromHole) {
                System.arraycopy(w, base, w, hole * stride, stride);
                hole = j;
            }
        }
        java.util.Arrays.fill(w, hole * stride, hole * stride + stride, 0L);
        size--;
    }

    /**
     * Removes entries at least {@code timeoutTicks} old among about {@code budget} slots from
     * {@code from}; returns the slot to go on from, or {@link #slots()} at the end.
     */
    int expire(int from, int budget, int nowTick, int timeoutTicks) {
        int slot = from;
        int end = (int) Math.min(slots, (long) from + budget);
        while (slot < end) {
            long word2 = words[slot * stride + 2];
            if (used(word2) && ((nowTick - (int) word2) & PeerStore.TICK_MASK) >= timeoutTicks) {
                removeSlot(slot); // look at the same slot again
            } else {
                slot++;
            }
        }
        return slot;
    }

    private void grow() {
        long[] old = words;
        int oldSlots = slots;
        slots = oldSlots * 2;
        words = new long[slots * stride];
        for (int s = 0; s < oldSlots; s++) {
            int base = s * stride;
            if (!used(old[base + 2])) continue;
            int slot = home(old[base], old[base + 1], (int) (old[base + 2] >>> 32), stride == 6 ? old[base + 4] : 0,
                stride == 6 ? old[base + 5] : 0, old[base + 3], slots);
            while (used(words[slot * stride + 2])) {
                if (++slot == slots) slot = 0;
            }
            System.arraycopy(old, base, words, slot * stride, stride);
        }
    }
}
