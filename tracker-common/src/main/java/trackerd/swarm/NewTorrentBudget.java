package trackerd.swarm;

import java.util.Arrays;
import trackerd.net.InfoHashes;

/**
 * How many new torrents each source address may still create in one shard: a token bucket per
 * address (IPv4 address, or IPv6 /64, the block one host usually holds), so that one host
 * sending announces for random info hashes cannot fill the torrent table for everyone. Only
 * announces that would create a torrent take a token; announces to torrents that exist never
 * ask.
 *
 * <p><b>Defaults</b> (per tracker: the shard gets {@code 1/shards} of each, since a host's info
 * hashes spread evenly over the shards): a burst of 1,000 and 10 a second. A client adding 100
 * torrents at once, or a seedbox restarting with 1,000, passes untouched; a host with 10,000
 * torrents that restarts gets the first 1,000 at once and the rest within 15 minutes (refused
 * announces are retried by clients, and the announce interval is 30 minutes anyway). A flood
 * from one host (issue 10: 65,000 a second) creates 10 torrents a second instead: about 27,000
 * while the peer timeout keeps them, not millions.
 *
 * <p><b>Table.</b> {@value #SETS} sets of {@value #WAYS} entries (4,096 addresses, 64 KB),
 * chosen by a seeded hash of the address so that addresses cannot be aimed at one set. A full
 * bucket says nothing that a missing entry does not, so a new address evicts the entry of its
 * set with the most tokens: a host that has spent its budget keeps its entry until four other
 * hosts of its set have spent theirs too. Tokens refill lazily, by ticks of
 * {@link PeerStore#TICK_SECONDS} seconds. Only on the owning swarm thread; no allocation.
 */
final class NewTorrentBudget {
    static final int SETS = 1024;
    static final int WAYS = 4;
    /** Above any IPv4 address and never the top half of a global IPv6 address (2000::/3). */
    private static final long IPV4_TAG = 0x0000_FFFF_0000_0000L;

    private final int burst;
    private final int tokensPerTick;
    private final long seed;
    private final long[] keys = new long[SETS * WAYS];
    private final int[] tokens = new int[SETS * WAYS];
    private final int[] ticks = new int[SETS * WAYS];
    private long refused;

    /**
     * @param burst tokens a new address starts with, and the most it can hold; 0 = no budget
     * @param perSecond tokens added a second
     */
    NewTorrentBudget(int burst, int perSecond, long seed) {
        this.burst = burst;
        this.tokensPerTick = (int) Math.min(Integer.MAX_VALUE, (long) perSecond * PeerStore.TICK_SECONDS);
        this.seed = seed;
        // an empty entry is a full bucket (for key 0, the /64 of ::1, which it is right for too)
        Arrays.fill(tokens, burst);
    }

    /**
     * Takes a token for a new torrent from the address; false (and counted) when it has none.
     *
     * @param address0 IPv4: the address in the low 32 bits; IPv6: bits 127..64
     * @param tick {@link SwarmShard#tick}
     */
    boolean tryTake(boolean ipv6, long address0, int tick) {
        if (burst == 0) return true;
        long key = ipv6 ? address0 : IPV4_TAG | (address0 & 0xFFFF_FFFFL);
        int set = (int) ((InfoHashes.mix(key ^ seed) >>> 32) * SETS >>> 32) * WAYS;
        int at = -1;
        int fullest = set;
        int fullestTokens = -1;
        for (int i = set; i < set + WAYS; i++) {
            int now = refill(i, tick);
            if (keys[i] == key) {
                at = i;
                break;
            }
            if (now > fullestTokens) {
                fullestTokens = now;
                fullest = i;
            }
        }
        if (at < 0) {
            at = fullest;
            keys[at] = key;
            tokens[at] = burst;
        }
        if (tokens[at] == 0) {
            refused++;
            return false;
        }
        tokens[at]--;
        return true;
    }

    /** Brings the entry's tokens up to the tick and returns them. */
    private int refill(int i, int tick) {
        int elapsed = (tick - ticks[i]) & PeerStore.TICK_MASK;
        if (elapsed > 0) {
            ticks[i] = tick;
            tokens[i] = (int) Math.min(burst, tokens[i] + (long) elapsed * tokensPerTick);
        }
        return tokens[i];
    }

    /** New torrents refused so far. */
    long refused() {
        return refused;
    }
}
