package trackerd.bench;

import trackerd.net.InfoHashes;

/**
 * The benchmark population: {@code torrents} torrents, each with at least one peer, and the
 * remaining peers spread by Zipf's law (exponent 1, rank r gets weight 1/r), so a few torrents
 * are huge and most are tiny, as on a public tracker. Peers get distinct pseudo-random IPv4
 * addresses and ports, and a third of them are seeders. Deterministic for a given size.
 */
final class SkewedWorkload {
    final int torrents;
    final long peers;
    /** Peers per torrent, by rank. */
    final int[] swarmSize;

    SkewedWorkload(long peers, int torrents) {
        this.torrents = torrents;
        this.peers = peers;
        swarmSize = new int[torrents];
        double harmonic = 0;
        for (int r = 1; r <= torrents; r++) harmonic += 1.0 / r;
        long rest = peers - torrents;
        long given = 0;
        for (int r = 0; r < torrents; r++) {
            int extra = (int) Math.floor(rest / harmonic / (r + 1));
            swarmSize[r] = 1 + extra;
            given += swarmSize[r];
        }
        for (int r = 0; given < peers; r = (r + 1) % torrents, given++) swarmSize[r]++;
    }

    /** The i-th peer overall: address in the high 32 bits of the mix, port from 1 to 65535. */
    static long address(long peer) {
        return InfoHashes.mix(peer + 0x5555) & 0xFFFF_FFFFL;
    }

    static int port(long peer) {
        return 1 + (int) ((InfoHashes.mix(peer) >>> 40) % 65_535);
    }

    static boolean seeder(long peer) {
        return peer % 3 == 0;
    }
}
