package trackerd.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TopTorrentsTest {
    @Test
    void shouldWriteInfoHashAsFortyLowerCaseHexDigitsBigEndian() {
        // h0 = bytes 0-7 with the top bit set (a negative long), h1 = bytes 8-15, h2 = bytes 16-19 (negative int)
        assertEquals("8000000000000001" + "0123456789abcdef" + "fffffffe",
            TopTorrents.hex(0x8000_0000_0000_0001L, 0x0123_4567_89ab_cdefL, 0xffff_fffe));
    }

    @Test
    void shouldKeepTheTwentyWithTheMostPeersOfEveryShardAndMergeThemInOrder() {
        Random random = new Random(7);
        TopTorrents[] parts = new TopTorrents[3];
        List<StatsSnapshot.TopTorrent> all = new ArrayList<>();
        for (int shard = 0; shard < parts.length; shard++) {
            parts[shard] = new TopTorrents(20);
            for (int t = 0; t < 5_000; t++) {
                int seeders = random.nextInt(1_000);
                int leechers = random.nextInt(1_000);
                int completed = random.nextInt(50);
                long h0 = ((long) shard << 32) | t;
                parts[shard].accept(h0, 0, 0, seeders, completed, leechers);
                all.add(new StatsSnapshot.TopTorrent(TopTorrents.hex(h0, 0, 0), seeders, leechers, completed));
            }
            assertEquals(20, parts[shard].count());
        }
        all.sort(Comparator.comparingLong((StatsSnapshot.TopTorrent t) -> -t.peers())
            .thenComparing(StatsSnapshot.TopTorrent::infoHash));
        assertEquals(all.subList(0, 20), TopTorrents.merge(parts, 20));
    }

    @Test
    void shouldKeepFewerWhenTheShardHoldsFewerAndSkipShardsThatGaveNoPart() {
        TopTorrents part = new TopTorrents(20);
        part.accept(1, 0, 0, 1, 0, 1);
        part.accept(2, 0, 0, 5, 3, 0);
        part.accept(3, 0, 0, 0, 0, 0); // an empty swarm still counts: it exists
        List<StatsSnapshot.TopTorrent> top = TopTorrents.merge(new TopTorrents[] {null, part}, 20);
        assertEquals(List.of(
            new StatsSnapshot.TopTorrent(TopTorrents.hex(2, 0, 0), 5, 0, 3),
            new StatsSnapshot.TopTorrent(TopTorrents.hex(1, 0, 0), 1, 1, 0),
            new StatsSnapshot.TopTorrent(TopTorrents.hex(3, 0, 0), 0, 0, 0)), top);
    }
}
