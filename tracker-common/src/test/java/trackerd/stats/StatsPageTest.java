package trackerd.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The page and the JSON render the same snapshot; everything in the page is escaped. */
class StatsPageTest {
    static final StatsSnapshot SNAPSHOT = new StatsSnapshot("1.2<script>", 3_725, 1_764_489_600,
        List.of(new StatsSnapshot.ProtocolRate("http", 1.5, 2, new long[] {1, 2}),
            new StatsSnapshot.ProtocolRate("udp\"><b>", 0.25, 0, new long[] {0, 0})),
        List.of(new StatsSnapshot.KindCount("bittorrent", 3)),
        List.of(new StatsSnapshot.PeerCount("bittorrent", "4", "seeder", 1),
            new StatsSnapshot.PeerCount("bittorrent", "4", "leecher", 2),
            new StatsSnapshot.PeerCount("bittorrent", "6", "seeder", 0),
            new StatsSnapshot.PeerCount("bittorrent", "6", "leecher", 5)),
        List.of(new StatsSnapshot.KindCount("bittorrent", 7)),
        List.of(new StatsSnapshot.TopTorrent("00112233445566778899aabbccddeeff00112233", 1, 2, 7)), 4);

    @Test
    void shouldEscapeEveryTextItPutsIntoThePage() {
        assertEquals("a&amp;b&lt;c&gt;d&quot;e&#39;f", StatsPage.escape("a&b<c>d\"e'f"));
        assertEquals("plain", StatsPage.escape("plain"));
        String page = new String(StatsPage.render(SNAPSHOT), StandardCharsets.UTF_8);
        assertFalse(page.contains("<script"), page);
        assertFalse(page.contains("<b>"), page);
        assertTrue(page.contains("1.2&lt;script&gt;"), page);
        assertTrue(page.contains("data-stat=\"requests_per_second.udp&quot;&gt;&lt;b&gt;.last_minute\""), page);
    }

    @Test
    void shouldLabelEachNumberWithItsJsonPathAndRefreshItself() {
        String page = new String(StatsPage.render(SNAPSHOT), StandardCharsets.UTF_8);
        assertTrue(page.contains("<meta http-equiv=\"refresh\" content=\"5\">"), page);
        for (String cell : List.of(
                "data-stat=\"uptime_seconds\">3725<", "data-stat=\"requests_per_second.http.last_minute\">1.5<",
                "data-stat=\"requests_per_second.http.last_second\">2<", "data-stat=\"torrents.bittorrent\">3<",
                "data-stat=\"completed.bittorrent\">7<", "data-stat=\"peers.bittorrent.4.seeder\">1<",
                "data-stat=\"peers.bittorrent.4.leecher\">2<", "data-stat=\"peers.bittorrent.6.leecher\">5<",
                "data-stat=\"top_torrents.torrents.0.info_hash\">00112233445566778899aabbccddeeff00112233<",
                "data-stat=\"top_torrents.torrents.0.completed\">7<", "data-stat=\"top_torrents.age_seconds\">4<")) {
            assertTrue(page.contains(cell), cell + " in " + page);
        }
        assertTrue(page.contains("(1h 2m 5s)"), page);
        assertEquals(1, page.split("peers\\.bittorrent\\.4\\.seeder", -1).length - 1, "one row per kind and version");
    }

    @Test
    void shouldWriteTheSameNumbersAsJson() {
        String json = new String(StatsJson.render(SNAPSHOT), StandardCharsets.UTF_8);
        assertEquals("{\"version\":\"1.2<script>\",\"uptime_seconds\":3725,\"taken_at\":1764489600,"
            + "\"requests_per_second\":{\"http\":{\"last_minute\":1.5,\"last_second\":2,\"per_second\":[1,2]},"
            + "\"udp\\\"><b>\":{\"last_minute\":0.25,\"last_second\":0,\"per_second\":[0,0]}},"
            + "\"torrents\":{\"bittorrent\":3},"
            + "\"peers\":{\"bittorrent\":{\"4\":{\"seeder\":1,\"leecher\":2},\"6\":{\"seeder\":0,\"leecher\":5}}},"
            + "\"completed\":{\"bittorrent\":7},"
            + "\"top_torrents\":{\"age_seconds\":4,\"torrents\":[{\"info_hash\":"
            + "\"00112233445566778899aabbccddeeff00112233\",\"seeders\":1,\"leechers\":2,\"completed\":7}]}}", json);
    }

    @Test
    void shouldSpellDurations() {
        assertEquals("0s", StatsPage.duration(0));
        assertEquals("1d 1s", StatsPage.duration(86_401));
    }
}
