package trackerd.swarm;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import trackerd.net.InfoHashes;

/**
 * Hash flooding from one IPv6 /64: its owner picks the low 64 address bits and the port of each
 * peer. The former IPv6 hashes combined those two linearly (XOR, after a multiply), so 4,096
 * peers of one torrent could be solved to share one hash, one probe run of 4,096 slots, without
 * knowing the seed. Each set below collided completely under the former formula; now they must
 * spread over the slots as random keys do (4,096 keys in 4,096 buckets fill about 63 % of them).
 */
class PeerHashTest {
    static final long GOLDEN = 0x9E3779B97F4A7C15L;
    static final long PREFIX = 0x2001_0db8_0000_0001L; // the attacker's /64
    static final int PEERS = 4096;

    /** Distinct buckets (top 12 of the low 32 bits, the part slot choice uses) among the hashes. */
    private static int buckets(long[] hashes) {
        Set<Long> seen = new HashSet<>();
        for (long h : hashes) seen.add((h & 0xFFFF_FFFFL) >>> 20);
        return seen.size();
    }

    @Test
    void peerStoreHashShouldNotCollideForChosenIpv6AddressesAndPorts() {
        long inverse = inverse(GOLDEN);
        PeerStore store = new PeerStore(3, 42);
        long[] hashes = new long[PEERS];
        for (int port = 1; port <= PEERS; port++) {
            long keyWord = (long) port << 16;
            long k1 = (0x1234_5678L ^ keyWord) * inverse; // former formula: k1 * GOLDEN ^ keyWord == 0x12345678
            hashes[port - 1] = store.hash(PREFIX, k1, keyWord);
        }
        assertTrue(buckets(hashes) > 2000, "spread like random keys: " + buckets(hashes));
    }

    @Test
    void remotePeerHashShouldNotCollideForChosenIpv6AddressesAndPorts() {
        RemotePeers remote = new RemotePeers(true, 42);
        long torrent = InfoHashes.hash(1, 2, 3);
        long[] hashes = new long[PEERS];
        for (int port = 1; port <= PEERS; port++) {
            long key = (long) port << 16;
            long k1 = 0x1234_5678L ^ key; // former formula: key ^ k0 * GOLDEN ^ k1, constant here
            hashes[port - 1] = remote.hash(torrent, PREFIX, k1, key);
        }
        assertTrue(buckets(hashes) > 2000, "spread like random keys: " + buckets(hashes));
    }

    /** The multiplicative inverse of an odd number modulo 2^64 (Newton's iteration). */
    private static long inverse(long odd) {
        long x = odd;
        for (int i = 0; i < 5; i++) x *= 2 - odd * x;
        assertTrue(x * odd == 1);
        return x;
    }
}
