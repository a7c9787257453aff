package trackerd.swarm;

import trackerd.net.InfoHashes;

/**
 * The torrents of one shard: open addressing with linear probing over parallel arrays (info
 * hash as two longs and an int, the IPv4 and IPv6 peer arrays, the completed count), 32 bytes
 * a slot. A slot is in use exactly when it has IPv4 or IPv6 peers: torrents without peers are
 * removed at once. Capacity is not a power of two (slots are chosen by multiply-shift), so it
 * can grow by half, keeping the load between 0.53 and 0.8. Deletion shifts later members of a
 * probe run back, so there are no tombstones. Only on the owning swarm thread.
 */
final class TorrentTable {
    private static final int INITIAL_SLOTS = 1024;

    long[] hash0;
    long[] hash1;
    int[] hash2;
    long[][] peers4;
    long[][] peers6;
    int[] completed;
    private int size;

    TorrentTable() {
        allocate(INITIAL_SLOTS);
    }

    private void allocate(int slots) {
        hash0 = new long[slots];
        hash1 = new long[slots];
        hash2 = new int[slots];
        peers4 = new long[slots][];
        peers6 = new long[slots][];
        completed = new int[slots];
    }

    int size() {
        return size;
    }

    int slots() {
        return hash0.length;
    }

    boolean used(int slot) {
        return peers4[slot] != null || peers6[slot] != null;
    }

    private static int home(long h0, long h1, int h2, int slots) {
        return (int) (((InfoHashes.hash(h0, h1, h2) & 0xFFFF_FFFFL) * slots) >>> 32);
    }

    /** The torrent's slot, or -1. */
    int find(long h0, long h1, int h2) {
        int slots = hash0.length;
        int slot = home(h0, h1, h2, slots);
        while (used(slot)) {
            if (hash0[slot] == h0 && hash1[slot] == h1 && hash2[slot] == h2) return slot;
            if (++slot == slots) slot = 0;
        }
        return -1;
    }

    /**
     * Claims a slot for a torrent that {@link #find} did not find. The caller must give it
     * peers before the next call, or {@link #remove} it.
     */
    int insert(long h0, long h1, int h2) {
        if ((long) (size + 1) * 5 > (long) hash0.length * 4) grow();
        int slots = hash0.length;
        int slot = home(h0, h1, h2, slots);
        while (used(slot)) {
            if (++slot == slots) slot = 0;
        }
        hash0[slot] = h0;
        hash1[slot] = h1;
        hash2[slot] = h2;
        completed[slot] = 0;
        size++;
        return slot;
    }

    /** Frees the slot (its torrent has no peers left, or never got one). */
    void remove(int slot) {
        size--;
        int slots = hash0.length;
        int hole = slot;
        int j = slot;
        clear(hole);
        while (true) {
            if (++j == slots) j = 0;
            if (!used(j)) break;
            int home = home(hash0[j], hash1[j], hash2[j], slots);
            int fromHome = j - home < 0 ? j - home + slots : j - home;
            int fromHole = j - hole < 0 ? j - hole + slots : j - hole;
            if (fromHome >= fromHole) {
                move(j, hole);
                hole = j;
            }
        }
    }

    private void move(int from, int to) {
        hash0[to] = hash0[from];
        hash1[to] = hash1[from];
        hash2[to] = hash2[from];
        peers4[to] = peers4[from];
        peers6[to] = peers6[from];
        completed[to] = completed[from];
        clear(from);
    }

    private void clear(int slot) {
        peers4[slot] = null;
        peers6[slot] = null;
        completed[slot] = 0;
    }

    private void grow() {
        long[] old0 = hash0;
        long[] old1 = hash1;
        int[] old2 = hash2;
        long[][] old4 = peers4;
        long[][] old6 = peers6;
        int[] oldCompleted = completed;
        allocate(old0.length * 3 / 2 + 1);
        int slots = hash0.length;
        for (int i = 0; i < old0.length; i++) {
            if (old4[i] == null && old6[i] == null) continue;
            int slot = home(old0[i], old1[i], old2[i], slots);
            while (used(slot)) {
                if (++slot == slots) slot = 0;
            }
            hash0[slot] = old0[i];
            hash1[slot] = old1[i];
            hash2[slot] = old2[i];
            peers4[slot] = old4[i];
            peers6[slot] = old6[i];
            completed[slot] = oldCompleted[i];
        }
    }
}
