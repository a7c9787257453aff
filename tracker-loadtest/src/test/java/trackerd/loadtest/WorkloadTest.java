package trackerd.loadtest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WorkloadTest {
    static LoadTestConfig.WorkloadConfig config(int torrents, double zipf, int peers, long seed) {
        return new LoadTestConfig.WorkloadConfig(torrents, zipf, peers, 30, 10, 70, 20, 5, 2, 3, 50, 10, seed);
    }

    @Test
    void sameSeedShouldGiveTheSamePoolAndRequests() {
        Workload a = new Workload(config(1000, 1.0, 5000, 9));
        Workload b = new Workload(config(1000, 1.0, 5000, 9));
        Workload c = new Workload(config(1000, 1.0, 5000, 10));
        int[] ta = new int[5000];
        int[] tb = new int[5000];
        int[] tc = new int[5000];
        for (int p = 0; p < 5000; p++) {
            ta[p] = a.torrentOf(p);
            tb[p] = b.torrentOf(p);
            tc[p] = c.torrentOf(p);
        }
        assertArrayEquals(ta, tb);
        assertNotEquals(java.util.Arrays.toString(ta), java.util.Arrays.toString(tc));
    }

    @Test
    void ownTorrentsShouldBeEveryOtherRankAndDifferByTag() {
        LoadTestConfig.WorkloadConfig base = config(1000, 1.0, 10, 1);
        Workload a = new Workload(withOwn(base, 50, 1));
        Workload b = new Workload(withOwn(base, 50, 2));
        Workload plain = new Workload(base);
        int shared = 0;
        for (int rank = 0; rank < 1000; rank++) {
            assertEquals(rank, plain.infoHashId(rank));
            if (a.infoHashId(rank) == b.infoHashId(rank)) {
                shared++;
                assertEquals(rank, a.infoHashId(rank), "a shared torrent keeps the usual info hash");
            } else {
                assertEquals(rank | 1 << 24, a.infoHashId(rank));
                assertEquals(rank | 2 << 24, b.infoHashId(rank));
            }
        }
        assertEquals(500, shared);
        assertEquals(0, a.infoHashId(0), "the most popular torrent is shared");
        assertNotEquals(a.infoHashId(1), b.infoHashId(1));
        // the draws give ids, not ranks: half the ranks, a little over half the announces (H(1000) ~ 7.485)
        SplittableRandom random = new SplittableRandom(3);
        int sharedDraws = 0;
        for (int i = 0; i < 1_000_000; i++) {
            if (a.torrent(random) < 1 << 24) sharedDraws++;
        }
        assertEquals(0.55, sharedDraws / 1e6, 0.02);
    }

    private static LoadTestConfig.WorkloadConfig withOwn(LoadTestConfig.WorkloadConfig c, int percent, int tag) {
        return new LoadTestConfig.WorkloadConfig(c.torrents(), c.zipfExponent(), c.peers(), c.seederPercent(),
            c.connectWeight(), c.announceWeight(), c.scrapeWeight(), c.startedPercent(), c.completedPercent(),
            c.stoppedPercent(), c.numwant(), c.scrapeHashes(), c.seed(), percent, tag);
    }

    @Test
    void popularityShouldFollowZipf() {
        Workload w = new Workload(config(1000, 1.0, 10, 1));
        SplittableRandom random = new SplittableRandom(3);
        int[] hits = new int[1000];
        int draws = 2_000_000;
        for (int i = 0; i < draws; i++) hits[w.torrent(random)]++;
        // weight 1/r: rank 1 gets twice rank 2 and ten times rank 10; H(1000) ~ 7.485
        assertEquals(2.0, (double) hits[0] / hits[1], 0.05);
        assertEquals(10.0, (double) hits[0] / hits[9], 0.5);
        assertEquals(1 / 7.485, (double) hits[0] / draws, 0.003);
    }

    @Test
    void exponentZeroShouldBeUniform() {
        Workload w = new Workload(config(10, 0.0, 10, 1));
        SplittableRandom random = new SplittableRandom(3);
        int[] hits = new int[10];
        for (int i = 0; i < 1_000_000; i++) hits[w.torrent(random)]++;
        for (int h : hits) assertEquals(100_000, h, 2_000);
    }

    @Test
    void mixEventsAndSeedersShouldFollowTheirShares() {
        Workload w = new Workload(config(100, 1.0, 60_000, 1));
        SplittableRandom random = new SplittableRandom(5);
        int[] types = new int[3];
        int[] events = new int[4];
        int n = 1_000_000;
        for (int i = 0; i < n; i++) {
            types[w.requestType(random)]++;
            events[w.event(random)]++;
        }
        assertEquals(0.10, types[Workload.CONNECT] / (double) n, 0.005);
        assertEquals(0.70, types[Workload.ANNOUNCE] / (double) n, 0.005);
        assertEquals(0.20, types[Workload.SCRAPE] / (double) n, 0.005);
        assertEquals(0.05, events[2] / (double) n, 0.003, "started");
        assertEquals(0.02, events[1] / (double) n, 0.003, "completed");
        assertEquals(0.03, events[3] / (double) n, 0.003, "stopped");
        int seeders = 0;
        for (int p = 0; p < 60_000; p++) if (w.seeder(p)) seeders++;
        assertEquals(0.30, seeders / 60_000.0, 0.01);
    }

    @Test
    void peersShouldHaveDistinctPortsAndTorrentsDistinctHashes() {
        Set<Integer> ports = new HashSet<>();
        for (int p = 0; p < 65_535; p++) ports.add(Workload.port(p));
        assertEquals(65_535, ports.size());
        assertTrue(ports.contains(1) && ports.contains(65_535));
        Set<String> hashes = new HashSet<>();
        for (int t = 0; t < 100_000; t++) hashes.add(Workload.hex(t));
        assertEquals(100_000, hashes.size());
    }

    @Test
    void scrapeShouldNameDistinctTorrentsEvenFromATinyPool() {
        Workload w = new Workload(config(12, 2.0, 100, 3));
        SplittableRandom random = new SplittableRandom(5);
        int[] torrents = new int[10];
        for (int round = 0; round < 100; round++) {
            w.scrapeTorrents(random, torrents);
            Set<Integer> distinct = new HashSet<>();
            for (int t : torrents) {
                assertTrue(t >= 0 && t < 12);
                distinct.add(t);
            }
            assertEquals(10, distinct.size());
        }
    }

    @Test
    void binaryInfoHashShouldBeTheHexHashOneCharPerByte() {
        for (int t : new int[] {0, 1, 77, 99_999}) {
            String binary = Workload.binary(t);
            StringBuilder hex = new StringBuilder();
            for (char c : binary.toCharArray()) hex.append(String.format("%02x", (int) c));
            assertEquals(Workload.hex(t), hex.toString());
        }
    }
}
