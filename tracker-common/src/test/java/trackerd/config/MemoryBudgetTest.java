package trackerd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MemoryBudgetTest {
    static final long MIB = 1L << 20;

    @Test
    void derivedLimitsShouldMatchTheDocumentedFigures() {
        // the README's table and MemoryBudget's javadoc quote these
        assertLimits(256 * MIB, 671_088, 3_355_443, 167_772);
        assertLimits(1024 * MIB, 2_684_354, 13_421_772, 671_088);
        assertLimits(8192 * MIB, 21_474_836, 107_374_182, 5_368_709);
    }

    static void assertLimits(long heap, int torrents, int peers, int perTorrent) {
        MemoryBudget budget = new MemoryBudget(heap);
        assertEquals(torrents, budget.maxTorrents());
        assertEquals(peers, budget.maxPeers());
        assertEquals(perTorrent, budget.maxPeersPerTorrent());
    }

    @Test
    void swarmStateAtItsBoundsShouldStayWellUnderTheHeap() {
        MemoryBudget budget = new MemoryBudget(256 * MIB);
        long worst = (long) budget.maxTorrents() * MemoryBudget.TORRENT_BYTES
            + (long) budget.maxPeers() * MemoryBudget.PEER_BYTES
            + (long) budget.maxPeersPerTorrent() * MemoryBudget.LARGEST_SWARM_PEER_BYTES;
        assertTrue(worst <= 0.65 * 256 * MIB, "worst case " + worst);
    }

    @Test
    void zeroShouldBeDerivedAndAnythingElseKept() {
        MemoryBudget budget = new MemoryBudget(1024 * MIB);
        TrackerConfig.Limits resolved = budget.resolve(new TrackerConfig.Limits(0, 0, 64, 0, 1000, 10));
        assertEquals(new TrackerConfig.Limits(2_684_354, 671_088, 64, 13_421_772, 1000, 10), resolved);
        TrackerConfig.Limits set = new TrackerConfig.Limits(5, 6, 7, 8, 9, 10);
        assertEquals(set, budget.resolve(set));
        String line = budget.describe(new TrackerConfig.Limits(5, 0, 64, 0, 1000, 10));
        assertTrue(line.contains("1024 MiB heap"), line);
        assertTrue(line.contains("max_torrents 5 (configured)"), line);
        assertTrue(line.contains("max_peers 13,421,772 (derived)"), line);
    }

    @Test
    void boundsShouldStayPositiveAndFitAnInt() {
        MemoryBudget tiny = new MemoryBudget(1);
        assertEquals(1, tiny.maxTorrents());
        assertEquals(1, tiny.maxPeersPerTorrent());
        MemoryBudget huge = new MemoryBudget(Long.MAX_VALUE / 4);
        assertEquals(Integer.MAX_VALUE, huge.maxTorrents());
        assertEquals(Integer.MAX_VALUE, huge.maxPeers());
    }

    @Test
    void defaultConfigShouldDeriveEveryBound() throws Exception {
        TrackerConfig config = ConfigLoader.load(null, java.util.List.of());
        assertEquals(new TrackerConfig.Limits(0, 0, 64, 0, 1000, 10), config.limits());
    }
}
