package trackerd.swarm;

import trackerd.net.InfoHashes;

/**
 * The torrents of one shard: open addressing with linear probing over two interleaved arrays,
 * so that one probe touches two cache lines, not six:
 *
 * <pre>
 * keys:  [3s] info hash bytes 0-7   [3s+1] bytes 8-15   [3s+2] completed count (high 32) | bytes 16-19 (low 32)
 * peers: [2s] IPv4 peer array        [2s+1] IPv6 peer array      ({@link PeerStore} layout)
 * </pre>
 *
 * 32 bytes a slot. A slot is in use exactly when it has IPv4 or IPv6 peers: torrents without
 * peers are removed at once. Capacity is not a power of two (slots are chosen by multiply-shift),
 * so it can grow by half, keeping the load between 0.53 and 0.8. Deletion shifts later members
 * of a probe run back, so there are no tombstones. Only on the owning swarm thread.
 */
final class TorrentTable {
    private static final int INITIAL_SLOTS = 1024;

    private long[] keys;
    private long[][] peers;
    private int slots;
    private int size;

    TorrentTable() {
        allocate(INITIAL_SLOTS);
    }

    private void allocate(int slotCount) {
        slots = slotCount;
        keys = new long[3 * slotCount];
        peers = new long[2 * slotCount][];
    }

    int size() {
        return size;
    }

    int slots() {
        return slots;
    }

    boolean used(int slot) {
        return peers[2 * slot] != null || peers[2 * slot + 1] != null;
    }

    long[] peers(int slot, boolean ipv6) {
        return peers[2 * slot + (ipv6 ? 1 : 0)];
    }

    void setPeers(int slot, boolean ipv6, long[] value) {
        peers[2 * slot + (ipv6 ? 1 : 0)] = value;
    }

    int completed(int slot) {
        return (int) (keys[3 * slot + 2] >>> 32);
    }

    /** Info hash bytes 0-7 of a used slot (as in {@link SwarmRequest}). */
    long hash0(int slot) {
        return keys[3 * slot];
    }

    long hash1(int slot) {
        return keys[3 * slot + 1];
    }

    int hash2(int slot) {
        return (int) keys[3 * slot + 2];
    }

    void countCompleted(int slot) {
        keys[3 * slot + 2] += 1L << 32;
    }

    private static int home(long h0, long h1, int h2, int slots) {
        return (int) (((InfoHashes.hash(h0, h1, h2) & 0xFFFF_FFFFL) * slots) >>> 32);
    }

    private boolean matches(int slot, long h0, long h1, int h2) {
        int k = 3 * slot;
        return keys[k] == h0 && keys[k + 1] == h1 && (int) keys[k + 2] == h2;
    }

    /** The torrent's slot, or -1. */
    int find(long h0, long h1, int h2) {
        int slot = home(h0, h1, h2, slots);
        while (used(slot)) {
            if (matches(slot, h0, h1, h2)) return slot;
            if (++slot == slots) slot = 0;
        }
        return -1;
    }

    /**
     * Claims a slot for a torrent that {@link #find} did not find. The caller must give it
     * peers before the next call, or {@link #remove} it.
     */
    int insert(long h0, long h1, int h2) {
        if ((long) (size + 1) * 5 > (long) slots * 4) grow();
        int slot = home(h0, h1, h2, slots);
        while (used(slot)) {
            if (++slot == slots) slot = 0;
        }
        keys[3 * slot] = h0;
        keys[3 * slot + 1] = h1;
        keys[3 * slot + 2] = h2 & 0xFFFF_FFFFL;
        size++;
        return slot;
    }

    /** Frees the slot (its torrent has no peers left, or never got one). */
    void remove(int slot) {
        size--;
        int hole = slot;
        int j = slot;
        clear(hole);
        while (true) {
            if (++j == slots) j = 0;
            if (!used(j)) break;
            int home = home(keys[3 * j], keys[3 * j + 1], (int) keys[3 * j + 2], slots);
            int fromHome = j - home < 0 ? j - home + slots : j - home;
            int fromHole = j - hole < 0 ? j - hole + slots : j - hole;
            if (fromHome >= fromHole) {
                move(j, hole);
                hole = j;
            }
        }
    }

    private void move(int from, int to) {
        System.arraycopy(keys, 3 * from, keys, 3 * to, 3);
        peers[2 * to] = peers[2 * from];
        peers[2 * to + 1] = peers[2 * from + 1];
        clear(from);
    }

    private void clear(int slot) {
        peers[2 * slot] = null;
        peers[2 * slot + 1] = null;
        keys[3 * slot + 2] = 0;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[][] oldPeers = peers;
        int oldSlots = slots;
        allocate(oldSlots * 3 / 2 + 1);
        for (int i = 0; i < oldSlots; i++) {
            if (oldPeers[2 * i] == null && oldPeers[2 * i + 1] == null) continue;
            int slot = home(oldKeys[3 * i], oldKeys[3 * i + 1], (int) oldKeys[3 * i + 2], slots);
            while (used(slot)) {
                if (++slot == slots) slot = 0;
            }
            System.arraycopy(oldKeys, 3 * i, keys, 3 * slot, 3);
            peers[2 * slot] = oldPeers[2 * i];
            peers[2 * slot + 1] = oldPeers[2 * i + 1];
        }
    }
}
