package trackerd.access;

import trackerd.net.InfoHashes;

/**
 * An immutable set of info hashes: open addressing over three primitive arrays, linear probing,
 * load at most one half. Safe to read from any thread once published.
 */
public final class InfoHashSet {
    private final long[] h0;
    private final long[] h1;
    private final int[] h2;
    private final boolean[] used;
    private final int mask;
    private final int size;

    private InfoHashSet(int capacity) {
        h0 = new long[capacity];
        h1 = new long[capacity];
        h2 = new int[capacity];
        used = new boolean[capacity];
        mask = capacity - 1;
        size = 0;
    }

    private InfoHashSet(InfoHashSet filled, int size) {
        h0 = filled.h0;
        h1 = filled.h1;
        h2 = filled.h2;
        used = filled.used;
        mask = filled.mask;
        this.size = size;
    }

    /** @param hashes three longs per hash, as {@link InfoHashes#parseHex} gives them */
    public static InfoHashSet of(long[][] hashes, int count) {
        int capacity = Integer.highestOneBit(Math.max(4, count * 2 - 1)) << 1;
        InfoHashSet set = new InfoHashSet(capacity);
        int size = 0;
        for (int i = 0; i < count; i++) {
            long[] h = hashes[i];
            if (set.insert(h[0], h[1], (int) h[2])) size++;
        }
        return new InfoHashSet(set, size);
    }

    private boolean insert(long a, long b, int c) {
        int slot = (int) InfoHashes.hash(a, b, c) & mask;
        while (used[slot]) {
            if (h0[slot] == a && h1[slot] == b && h2[slot] == c) return false;
            slot = (slot + 1) & mask;
        }
        used[slot] = true;
        h0[slot] = a;
        h1[slot] = b;
        h2[slot] = c;
        return true;
    }

    public boolean contains(long a, long b, int c) {
        int slot = (int) InfoHashes.hash(a, b, c) & mask;
        while (used[slot]) {
            if (h0[slot] == a && h1[slot] == b && h2[slot] == c) return true;
            slot = (slot + 1) & mask;
        }
        return false;
    }

    public int size() {
        return size;
    }
}
