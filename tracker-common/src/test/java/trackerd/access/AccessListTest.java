package trackerd.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import trackerd.access.AccessListFile.AccessListException;
import trackerd.config.AccessMode;
import trackerd.metrics.MetricBank;
import trackerd.net.InfoHashes;

class AccessListTest {
    static final String A = "0123456789abcdef0123456789abcdef01234567";
    static final String B = "FEDCBA9876543210FEDCBA9876543210FEDCBA98";
    static final String C = "1111111111111111111111111111111111111111";

    @TempDir
    Path dir;

    @Test
    void shouldReadHashesInEitherCaseWithCommentsAndBlankLines() throws Exception {
        Path file = dir.resolve("list.txt");
        Files.writeString(file, "# allowed torrents\n\n" + A + "\n  " + B + "  # trailing comment\n");
        InfoHashSet set = AccessListFile.read(file);
        assertEquals(2, set.size());
        assertTrue(contains(set, A));
        assertTrue(contains(set, B.toLowerCase()));
        assertFalse(contains(set, C));
    }

    @Test
    void shouldNameTheBadLine() throws Exception {
        Path file = dir.resolve("list.txt");
        Files.writeString(file, A + "\n# fine\nnot-a-hash\n");
        AccessListException e = assertThrows(AccessListException.class, () -> AccessListFile.read(file));
        assertTrue(e.getMessage().contains("line 3"), e.getMessage());
    }

    @Test
    void allowModeShouldServeOnlyListedHashesAndDenyModeTheRest() throws Exception {
        Path file = dir.resolve("list.txt");
        Files.writeString(file, A + "\n");
        AccessList allow = AccessList.open(AccessMode.ALLOW, file, bank());
        AccessList deny = AccessList.open(AccessMode.DENY, file, bank());
        AccessList off = AccessList.open(AccessMode.OFF, null, bank());
        assertTrue(permits(allow, A));
        assertFalse(permits(allow, C));
        assertFalse(permits(deny, A));
        assertTrue(permits(deny, C));
        assertTrue(permits(off, A));
    }

    @Test
    void badReloadShouldKeepTheOldListAndCountTheFailure() throws Exception {
        Path file = dir.resolve("list.txt");
        Files.writeString(file, A + "\n");
        MetricBank bank = bank();
        AccessList list = AccessList.open(AccessMode.ALLOW, file, bank);
        Files.writeString(file, B + "\nbroken\n");
        assertFalse(list.reload());
        assertTrue(permits(list, A));
        assertFalse(permits(list, B));
        assertEquals(0.0, bank.registry().get("tracker_access_list_last_reload_ok").gauge().value());
        Files.writeString(file, B + "\n");
        assertTrue(list.reload());
        assertTrue(permits(list, B));
        assertFalse(permits(list, A));
        assertEquals(1.0, bank.registry().get("tracker_access_list_last_reload_ok").gauge().value());
    }

    @Test
    void lastReloadOkShouldReadOneWhenTheListIsOff() throws Exception {
        MetricBank bank = bank();
        AccessList.open(AccessMode.OFF, null, bank);
        assertEquals(1.0, bank.registry().get("tracker_access_list_last_reload_ok").gauge().value());
    }

    /** A write in place seen half done by one poll and whole by the next was loaded, and reported, twice. */
    @Test
    void watcherShouldLoadAnEditOnceWhenAPollFallsInsideTheWrite() throws Exception {
        Path file = dir.resolve("list.txt");
        Files.writeString(file, A + "\n");
        MetricBank bank = bank();
        AccessList list = AccessList.open(AccessMode.ALLOW, file, bank);
        try (AccessListWatcher watcher = steppedWatcher(list)) {
            Files.writeString(file, "not a hash\n");          // the editor's first write...
            watcher.check();
            Files.writeString(file, "not a hash\n" + B + "\n", StandardOpenOption.APPEND); // ...and its second
            watcher.check();
            watcher.check();
            watcher.check();
            watcher.check();
            assertEquals(1.0, counter(bank, "failed"), "one bad edit, one failed load, one log line");
            assertTrue(permits(list, A), "the old list stays");
        }
    }

    @Test
    void watcherShouldReportADeletedFileOnceAndKeepTheOldList() throws Exception {
        Path file = dir.resolve("list.txt");
        Files.writeString(file, A + "\n");
        MetricBank bank = bank();
        AccessList list = AccessList.open(AccessMode.ALLOW, file, bank);
        try (AccessListWatcher watcher = steppedWatcher(list)) {
            Files.delete(file);
            for (int i = 0; i < 5; i++) watcher.check();
            assertEquals(1.0, counter(bank, "failed"), "the deletion is one failed load");
            assertEquals(0.0, bank.registry().get("tracker_access_list_last_reload_ok").gauge().value());
            assertTrue(permits(list, A));
            Files.writeString(file, B + "\n"); // back: loaded again
            for (int i = 0; i < 2; i++) watcher.check();
            assertTrue(permits(list, B));
            assertFalse(permits(list, A));
        }
    }

    /** A watcher whose own timer never fires in a test; the test steps it. */
    private static AccessListWatcher steppedWatcher(AccessList list) {
        return new AccessListWatcher(list, Long.MAX_VALUE / 4,
            new trackerd.runtime.WorkerThreadFactory("watcher-test", (t, e) -> e.printStackTrace()));
    }

    private static double counter(MetricBank bank, String result) {
        return bank.registry().get("tracker_access_list_reloads").tag("result", result).functionCounter().count();
    }

    @Test
    void setShouldHoldManyHashes() {
        long[][] hashes = new long[10_000][];
        for (int i = 0; i < hashes.length; i++) {
            hashes[i] = new long[] {i * 31L, i, i * 7};
        }
        InfoHashSet set = InfoHashSet.of(hashes, hashes.length);
        assertEquals(10_000, set.size());
        for (long[] h : hashes) assertTrue(set.contains(h[0], h[1], (int) h[2]));
        assertFalse(set.contains(-1, -1, -1));
    }

    static MetricBank bank() {
        return new MetricBank(new SimpleMeterRegistry());
    }

    static boolean contains(InfoHashSet set, String hex) {
        long[] h = InfoHashes.parseHex(hex);
        return set.contains(h[0], h[1], (int) h[2]);
    }

    static boolean permits(AccessList list, String hex) {
        long[] h = InfoHashes.parseHex(hex);
        return list.permits(h[0], h[1], (int) h[2]);
    }
}
