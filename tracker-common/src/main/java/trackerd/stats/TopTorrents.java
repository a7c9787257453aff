package trackerd.stats;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import trackerd.swarm.TorrentCountSink;

/**
 * The {@code max} torrents with the most peers (seeders plus leechers) of one shard, collected on
 * that shard's thread by {@link trackerd.swarm.SwarmShard#forEachTorrent}, then read by the stats
 * thread once the shard has handed it over. Kept sorted, most peers first, in primitive arrays: a
 * torrent that does not beat the smallest kept costs one comparison, one that does an insertion
 * among {@code max} (20), so a walk over a shard allocates nothing per torrent.
 */
final class TopTorrents implements TorrentCountSink {
    private final int max;
    private final long[] h0;
    private final long[] h1;
    private final int[] h2;
    private final int[] seeders;
    private final int[] leechers;
    private final int[] completed;
    private int count;

    TopTorrents(int max) {
        this.max = max;
        h0 = new long[max];
        h1 = new long[max];
        h2 = new int[max];
        seeders = new int[max];
        leechers = new int[max];
        completed = new int[max];
    }

    /** Only on the shard's thread. */
    @Override
    public boolean accept(long hash0, long hash1, int hash2, int seederCount, int completedCount, int leecherCount) {
        long peers = (long) seederCount + leecherCount;
        if (count == max && peers <= peers(count - 1)) return true;
        int at = count == max ? max - 1 : count++;
        while (at > 0 && peers(at - 1) < peers) { // shift smaller ones down; ties keep the first seen first
            move(at - 1, at);
            at--;
        }
        h0[at] = hash0;
        h1[at] = hash1;
        h2[at] = hash2;
        seeders[at] = seederCount;
        leechers[at] = leecherCount;
        completed[at] = completedCount;
        return true;
    }

    private long peers(int i) {
        return (long) seeders[i] + leechers[i];
    }

    private void move(int from, int to) {
        h0[to] = h0[from];
        h1[to] = h1[from];
        h2[to] = h2[from];
        seeders[to] = seeders[from];
        leechers[to] = leechers[from];
        completed[to] = completed[from];
    }

    int count() {
        return count;
    }

    /**
     * The overall top {@code max} of several shards' parts (null parts, from shards whose inbox was
     * full, are skipped): most peers first, ties by info hash so the order is stable.
     */
    static List<StatsSnapshot.TopTorrent> merge(TopTorrents[] parts, int max) {
        List<StatsSnapshot.TopTorrent> all = new ArrayList<>();
        for (TopTorrents part : parts) {
            if (part == null) continue;
            for (int i = 0; i < part.count; i++) {
                all.add(new StatsSnapshot.TopTorrent(hex(part.h0[i], part.h1[i], part.h2[i]),
                    part.seeders[i], part.leechers[i], part.completed[i]));
            }
        }
        all.sort(Comparator.comparingLong((StatsSnapshot.TopTorrent t) -> -t.peers())
            .thenComparing(StatsSnapshot.TopTorrent::infoHash));
        return List.copyOf(all.subList(0, Math.min(max, all.size())));
    }

    /** The info hash as 40 lower-case hex digits (h0 holds bytes 0-7 big-endian, and so on). */
    static String hex(long h0, long h1, int h2) {
        return String.format("%016x%016x%08x", h0, h1, h2);
    }
}
