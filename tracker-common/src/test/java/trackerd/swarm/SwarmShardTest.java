package trackerd.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import trackerd.config.TrackerConfig;

class SwarmShardTest {
    static final int TIMEOUT_SECONDS = 40;

    /** BEP 15 event numbers, as the model below draws them. */
    static final int EVENT_NONE = 0;
    static final int EVENT_COMPLETED = 1;
    static final int EVENT_STARTED = 2;
    static final int EVENT_STOPPED = 3;

    static SwarmSettings settings(int maxTorrents, int maxPeers) {
        return settings(maxTorrents, maxPeers, Integer.MAX_VALUE, 0, 0);
    }

    /** @param shardPeers the tracker-wide peer bound (one shard here), in IPv4-peer units */
    static SwarmSettings settings(int maxTorrents, int maxPeers, int shardPeers, int newTorrentBurst,
                                  int newTorrentsPerSecond) {
        return new SwarmSettings(new TrackerConfig.Swarm(30, 15, TIMEOUT_SECONDS, 50, 50, 60, false),
            new TrackerConfig.Limits(maxTorrents, maxPeers, 64, shardPeers, newTorrentBurst, newTorrentsPerSecond));
    }

    final SwarmShard shard = new SwarmShard(settings(1000, 1000), 1);
    final SwarmRequest slot = SwarmRequest.detached(50);

    /** Announce from 10.0.0.{host}:{port} (or [2001:db8::host]:port) to torrent t. */
    SwarmRequest announce(SwarmShard target, int torrent, boolean ipv6, int host, int port, int event, boolean seeder,
                         int numwant, int tick) {
        slot.status = RequestStatus.OK;
        slot.infoHash0 = 0x1111_0000_0000_0000L + torrent;
        slot.infoHash1 = torrent * 31L;
        slot.infoHash2 = torrent;
        slot.ipv6 = ipv6;
        slot.address0 = ipv6 ? 0x2001_0db8_0000_0000L : (10L << 24) + host;
        slot.address1 = ipv6 ? host : 0;
        slot.port = port;
        slot.event = AnnounceEvent.ofBep15(event);
        slot.seeder = seeder;
        slot.numwant = numwant;
        target.announce(slot, tick);
        return slot;
    }

    SwarmRequest announce(int torrent, int host, int event, boolean seeder) {
        return announce(shard, torrent, false, host, 6881, event, seeder, -1, 0);
    }

    static Set<String> peers(SwarmRequest r) {
        Set<String> out = new HashSet<>();
        int size = r.ipv6 ? 18 : 6;
        for (int i = 0; i < r.peerCount; i++) {
            StringBuilder b = new StringBuilder();
            for (int j = 0; j < size; j++) b.append(String.format("%02x", r.peers[i * size + j]));
            out.add(b.toString());
        }
        assertEquals(r.peerCount, out.size(), "duplicate peers in a reply");
        return out;
    }

    static String v4(int host, int port) {
        return String.format("0a0000%02x%04x", host, port);
    }

    @Test
    void shouldNeverReturnTheAskerAndCountSeedersAndLeechers() {
        announce(1, 1, EVENT_STARTED, true);
        announce(1, 2, EVENT_STARTED, false);
        SwarmRequest r = announce(1, 3, EVENT_STARTED, false);
        assertEquals(1, r.seeders);
        assertEquals(2, r.leechers);
        assertEquals(Set.of(v4(1, 6881), v4(2, 6881)), peers(r));
    }

    @Test
    void seederShouldGetLeechersOnly() {
        announce(1, 1, EVENT_STARTED, true);
        announce(1, 2, EVENT_STARTED, true);
        announce(1, 3, EVENT_STARTED, false);
        SwarmRequest r = announce(1, 4, EVENT_STARTED, true);
        assertEquals(Set.of(v4(3, 6881)), peers(r));
    }

    @Test
    void stoppedShouldRemoveThePeerAndDropTheEmptyTorrent() {
        announce(1, 1, EVENT_STARTED, false);
        announce(1, 2, EVENT_STARTED, false);
        SwarmRequest r = announce(1, 1, EVENT_STOPPED, false);
        assertEquals(1, r.leechers);
        assertEquals(0, r.peerCount);
        announce(1, 2, EVENT_STOPPED, false);
        assertEquals(0, shard.torrents());
        assertEquals(0, shard.peers(false));
    }

    @Test
    void completedCountShouldOutliveAnEmptySwarmForOnePeerTimeout() {
        announce(shard, 1, false, 1, 6881, EVENT_COMPLETED, true, -1, SwarmShard.tick(0));
        announce(shard, 1, false, 1, 6881, EVENT_STOPPED, true, -1, SwarmShard.tick(100));
        assertEquals(1, shard.torrents(), "kept for its download");
        assertEquals(0, shard.peers(false));
        ScrapeBlock block = new ScrapeBlock(4);
        block.add(0x1111_0000_0000_0001L, 31, 1);
        shard.scrape(block, 0);
        assertEquals(List.of(0, 1, 0), List.of(block.seeders(0), block.completed(0), block.leechers(0)));

        cleanFully(shard, SwarmShard.tick(100 + TIMEOUT_SECONDS - 8));
        assertEquals(1, shard.torrents(), "still within a peer timeout of going empty");
        SwarmRequest r = announce(shard, 1, true, 2, 6881, EVENT_STARTED, false, -1, SwarmShard.tick(100 + 20));
        assertEquals(List.of(1, 0, 1), List.of(r.completed, r.seeders, r.leechers), "a new peer finds the count");
        announce(shard, 1, true, 2, 6881, EVENT_STOPPED, false, -1, SwarmShard.tick(100 + 24));
        cleanFully(shard, SwarmShard.tick(100 + 24 + TIMEOUT_SECONDS - 8));
        assertEquals(1, shard.torrents(), "emptied again at +24: the timeout counts from there");
        cleanFully(shard, SwarmShard.tick(100 + 24 + TIMEOUT_SECONDS + 8));
        assertEquals(0, shard.torrents());
        assertEquals(1, shard.emptyTorrentsDropped());
        assertEquals(0, announce(shard, 1, false, 3, 6881, EVENT_STARTED, false, -1, SwarmShard.tick(400)).completed,
            "a dropped torrent starts from zero");
    }

    @Test
    void torrentWithDownloadsShouldBeKeptWhenItsLastPeerExpires() {
        announce(shard, 1, false, 1, 6881, EVENT_COMPLETED, true, -1, SwarmShard.tick(0));
        announce(shard, 2, false, 1, 6881, EVENT_STARTED, false, -1, SwarmShard.tick(0));
        int expiry = SwarmShard.tick(TIMEOUT_SECONDS + 8);
        cleanFully(shard, expiry);
        assertEquals(1, shard.torrents(), "torrent 1 kept (1 download), torrent 2 dropped");
        assertEquals(0, shard.peers(false));
        cleanFully(shard, SwarmShard.tick(2 * (TIMEOUT_SECONDS + 8)));
        assertEquals(0, shard.torrents());
    }

    @Test
    void completedShouldMakeASeederAndCountOneDownloadPerPeer() {
        announce(1, 1, EVENT_STARTED, false);
        SwarmRequest r = announce(1, 1, EVENT_COMPLETED, true);
        assertEquals(1, r.completed);
        assertEquals(1, r.seeders);
        assertEquals(0, r.leechers);
        r = announce(1, 1, EVENT_COMPLETED, true);
        assertEquals(1, r.completed, "a seeder completing again is not a new download");
    }

    @Test
    void familiesShouldNotMix() {
        announce(shard, 1, false, 1, 6881, EVENT_STARTED, false, -1, 0);
        SwarmRequest r = announce(shard, 1, true, 2, 6881, EVENT_STARTED, false, -1, 0);
        assertEquals(0, r.peerCount);
        assertEquals(2, r.leechers, "counts cover both families");
        r = announce(shard, 1, true, 3, 6881, EVENT_STARTED, false, -1, 0);
        assertEquals(Set.of("20010db800000000" + "0000000000000002" + "1ae1"), peers(r));
    }

    @Test
    void samePortOtherAddressAndSameAddressOtherPortAreOtherPeers() {
        announce(shard, 1, false, 1, 6881, EVENT_STARTED, false, -1, 0);
        announce(shard, 1, false, 1, 6882, EVENT_STARTED, false, -1, 0);
        SwarmRequest r = announce(shard, 1, false, 2, 6881, EVENT_STARTED, false, -1, 0);
        assertEquals(3, r.leechers);
    }

    @Test
    void shouldHonourNumwantAndMaxResponsePeers() {
        for (int host = 1; host <= 100; host++) announce(1, host, EVENT_STARTED, false);
        assertEquals(7, announce(shard, 1, false, 1, 6881, 0, false, 7, 0).peerCount);
        assertEquals(50, announce(shard, 1, false, 1, 6881, 0, false, 500, 0).peerCount);
        assertEquals(50, announce(shard, 1, false, 1, 6881, 0, false, -1, 0).peerCount);
        assertEquals(0, announce(shard, 1, false, 1, 6881, 0, false, 0, 0).peerCount);
    }

    @Test
    void limitsShouldRefuseWithAnErrorAndCount() {
        SwarmShard small = new SwarmShard(settings(2, 3), 1);
        announce(small, 1, false, 1, 1, 0, false, -1, 0);
        announce(small, 2, false, 1, 1, 0, false, -1, 0);
        assertEquals(RequestStatus.TOO_MANY_TORRENTS, announce(small, 3, false, 1, 1, 0, false, -1, 0).status);
        assertEquals(2, small.torrents());
        announce(small, 1, false, 2, 1, 0, false, -1, 0);
        announce(small, 1, false, 3, 1, 0, false, -1, 0);
        assertEquals(RequestStatus.TOO_MANY_PEERS, announce(small, 1, false, 4, 1, 0, false, -1, 0).status);
        assertEquals(RequestStatus.OK, announce(small, 1, false, 3, 1, 0, true, -1, 0).status, "known peers still update");
        assertEquals(1, small.rejectedTorrents());
        assertEquals(1, small.rejectedPeers());
    }

    @Test
    void shardPeerBoundShouldRefuseNewPeersAndKeepServingKnownOnes() {
        // 5 IPv4-peer units: an IPv6 peer counts 3
        SwarmShard bounded = new SwarmShard(settings(1000, 1000, 5, 0, 0), 1);
        announce(bounded, 1, true, 1, 1, 0, false, -1, 0);
        announce(bounded, 1, false, 1, 1, 0, false, -1, 0);
        assertEquals(RequestStatus.OK, announce(bounded, 2, false, 2, 1, 0, false, -1, 0).status);
        assertEquals(RequestStatus.TRACKER_FULL_OF_PEERS, announce(bounded, 1, false, 3, 1, 0, false, -1, 0).status);
        assertEquals(RequestStatus.TRACKER_FULL_OF_PEERS, announce(bounded, 3, false, 3, 1, 0, false, -1, 0).status,
            "a new torrent needs a new peer too");
        assertEquals(2, bounded.torrents(), "the refused torrent is not kept");
        SwarmRequest known = announce(bounded, 1, false, 1, 1, EVENT_COMPLETED, true, -1, 0);
        assertEquals(RequestStatus.OK, known.status, "known peers still update");
        assertEquals(1, known.seeders);
        assertEquals(2, bounded.rejectedShardPeers());
        assertEquals(0, bounded.rejectedPeers());
        announce(bounded, 1, true, 1, 1, EVENT_STOPPED, false, -1, 0);
        assertEquals(RequestStatus.OK, announce(bounded, 1, false, 3, 1, 0, false, -1, 0).status, "room again");
    }

    @Test
    void perAddressBudgetShouldRefuseNewTorrentsButNotAnnouncesToExistingOnes() {
        SwarmShard budgeted = new SwarmShard(settings(1000, 1000, Integer.MAX_VALUE, 3, 1), 1);
        for (int t = 1; t <= 3; t++) assertEquals(RequestStatus.OK, announce(budgeted, t, false, 1, 1, 0, false, -1, 0).status);
        assertEquals(RequestStatus.TOO_MANY_NEW_TORRENTS, announce(budgeted, 4, false, 1, 1, 0, false, -1, 0).status);
        assertEquals(3, budgeted.torrents());
        assertEquals(RequestStatus.OK, announce(budgeted, 2, false, 1, 2, 0, false, -1, 0).status, "existing torrent");
        assertEquals(RequestStatus.OK, announce(budgeted, 4, false, 2, 1, 0, false, -1, 0).status, "another host");
        assertEquals(RequestStatus.OK, announce(budgeted, 5, false, 1, 1, 0, false, -1, 1).status, "refilled a tick later");
        assertEquals(1, budgeted.rejectedNewTorrents());
    }

    @Test
    void oneAndTwoPeerTorrentsShouldAnswerAlikeInlineOrNot() {
        SwarmRequest r = announce(1, 1, EVENT_STARTED, true);
        assertEquals(1, r.seeders);
        r = announce(1, 2, EVENT_STARTED, false);
        assertEquals(Set.of(v4(1, 6881)), peers(r));
        assertEquals(1, r.leechers);
        announce(1, 1, EVENT_STOPPED, true);
        r = announce(shard, 1, false, 3, 6881, 0, false, -1, 0);
        assertEquals(Set.of(v4(2, 6881)), peers(r), "the peer left inline after a stop is still handed out");
        announce(1, 3, EVENT_STOPPED, false);
        r = announce(1, 2, EVENT_COMPLETED, false);
        assertEquals(1, r.seeders);
        assertEquals(0, r.leechers);
        assertEquals(1, r.completed);
        ScrapeBlock block = new ScrapeBlock(1);
        block.add(0x1111_0000_0000_0001L, 31, 1);
        shard.scrape(block, 0);
        assertEquals(1, block.seeders(0));
        assertEquals(1, block.completed(0));
        assertEquals(0, block.leechers(0));
    }

    @Test
    void peersShouldExpireAfterTheTimeoutAndEmptyTorrentsGo() {
        int start = SwarmShard.tick(0);
        announce(shard, 1, false, 1, 6881, 0, false, -1, start);
        int later = SwarmShard.tick(30);
        announce(shard, 1, false, 2, 6881, 0, false, -1, later);
        announce(shard, 2, true, 3, 6881, 0, false, -1, start);
        cleanFully(shard, SwarmShard.tick(TIMEOUT_SECONDS + 8));
        assertEquals(1, shard.torrents());
        assertEquals(1, shard.peers(false));
        assertEquals(0, shard.peers(true));
        assertEquals(2, shard.expiredPeers());
    }

    @Test
    void peerShouldNotExpireBeforeTheTimeout() {
        announce(shard, 1, false, 1, 6881, 0, false, -1, SwarmShard.tick(0));
        cleanFully(shard, SwarmShard.tick(TIMEOUT_SECONDS - 1));
        assertEquals(1, shard.peers(false));
    }

    static void cleanFully(SwarmShard shard, int tick) {
        int slices = 0;
        while (!shard.cleanSlice(tick, 100)) {
            assertTrue(++slices < 1_000_000);
        }
    }

    @Test
    void scrapeShouldGiveCountsAndZerosForUnknownHashes() {
        announce(1, 1, EVENT_COMPLETED, true);
        announce(1, 2, EVENT_STARTED, false);
        ScrapeBlock block = new ScrapeBlock(64);
        block.add(5, 5, 5);
        block.add(0x1111_0000_0000_0001L, 31, 1);
        block.setResult(0, 9, 9, 9); // the shard must overwrite what a reused block held
        shard.scrape(block, 0);
        assertEquals(List.of(0, 0, 0, 1, 1, 1), List.of(block.seeders(0), block.completed(0), block.leechers(0),
            block.seeders(1), block.completed(1), block.leechers(1)));
    }

    @Test
    void forEachTorrentShouldHandOverEveryTorrentsCountsUntilTold() {
        announce(1, 1, EVENT_COMPLETED, true);
        announce(1, 2, EVENT_NONE, false);
        announce(shard, 1, true, 3, 6881, EVENT_NONE, false, -1, 0); // an IPv6 leecher of the same torrent
        announce(2, 1, EVENT_NONE, false);
        Map<Long, String> seen = new HashMap<>();
        shard.forEachTorrent((h0, h1, h2, seeders, completed, leechers) -> {
            assertEquals(h2 * 31L, h1, "the hash words of one torrent");
            seen.put(h0, seeders + "/" + completed + "/" + leechers);
            return true;
        });
        assertEquals(Map.of(0x1111_0000_0000_0001L, "1/1/2", 0x1111_0000_0000_0002L, "0/0/1"), seen);
        int[] calls = {0};
        shard.forEachTorrent((h0, h1, h2, seeders, completed, leechers) -> ++calls[0] < 1);
        assertEquals(1, calls[0], "false stops the walk");
    }

    @Test
    void purgeShouldRemoveTheNamedTorrentsWithTheirPeersInTheNextCleaningPass() {
        for (int torrent = 1; torrent <= 50; torrent++) {
            announce(torrent, 1, EVENT_STARTED, true);
            announce(torrent, 2, EVENT_STARTED, false);
        }
        shard.purge((h0, h1, h2) -> h2 % 10 == 0); // torrents 10, 20, ..., 50
        assertTrue(shard.purgePending());
        cleanFully(shard, SwarmShard.tick(0));
        assertEquals(45, shard.torrents());
        assertEquals(90, shard.peers(false));
        assertEquals(45, shard.seeders(false));
        assertEquals(5, shard.purgedTorrents());
        assertEquals(0, shard.expiredPeers(), "purged peers are not counted as expired");
        assertEquals(0, announce(shard, 20, false, 3, 6881, EVENT_STARTED, false, -1, 0).peerCount, "torrent 20 is gone");
        assertEquals(2, announce(shard, 21, false, 3, 6881, EVENT_STARTED, false, -1, 0).peerCount);
        cleanFully(shard, SwarmShard.tick(0));
        assertEquals(5, shard.purgedTorrents(), "a purge applies to one pass only");
    }

    /** A peer in the reference model. */
    record ModelPeer(boolean seeder, int tick) {}

    @Test
    void randomSequencesShouldMatchAReferenceModel() {
        for (long seed = 1; seed <= 12; seed++) {
            runAgainstModel(seed, 4 + (int) seed * 3, (int) (20 + seed * 25));
        }
    }

    private void runAgainstModel(long seed, int torrents, int hosts) {
        Random random = new Random(seed);
        SwarmShard shard = new SwarmShard(settings(1000, 1000), 1);
        int timeoutTicks = (TIMEOUT_SECONDS + PeerStore.TICK_SECONDS - 1) / PeerStore.TICK_SECONDS + 1;
        Map<Integer, Map<String, ModelPeer>> model = new HashMap<>();
        Map<Integer, Integer> completed = new HashMap<>();
        /** Torrents without peers kept for their completed count: the tick they went empty. */
        Map<Integer, Integer> emptySince = new HashMap<>();
        int seconds = 0;
        for (int step = 0; step < 20_000; step++) {
            seconds += random.nextInt(3);
            int tick = SwarmShard.tick(seconds);
            if (random.nextInt(500) == 0) {
                cleanFully(shard, tick);
                // torrents kept for their downloads go a peer timeout after they emptied
                emptySince.values().removeIf(since -> ((tick - since) & PeerStore.TICK_MASK) >= timeoutTicks);
                for (Map<String, ModelPeer> peers : model.values()) {
                    peers.values().removeIf(p -> ((tick - p.tick()) & PeerStore.TICK_MASK) >= timeoutTicks);
                }
                model.forEach((t, peers) -> {
                    if (peers.isEmpty() && completed.getOrDefault(t, 0) > 0) emptySince.put(t, tick);
                });
                model.values().removeIf(Map::isEmpty);
                // a dropped torrent forgets its downloads
                completed.keySet().removeIf(t -> !model.containsKey(t) && !emptySince.containsKey(t));
                assertEquals(model.size() + emptySince.size(), shard.torrents(), "seed " + seed + " step " + step);
                continue;
            }
            int torrent = random.nextInt(torrents);
            boolean ipv6 = random.nextInt(4) == 0;
            int host = random.nextInt(hosts);
            int port = 1 + random.nextInt(3);
            int event = random.nextInt(10) < 6 ? 0 : random.nextInt(4);
            boolean seeder = random.nextBoolean();
            int numwant = random.nextInt(8) - 1;
            SwarmRequest r = announce(shard, torrent, ipv6, host, port, event, seeder, numwant, tick);

            String key = (ipv6 ? "6/" : "4/") + host + "/" + port;
            Map<String, ModelPeer> peers = model.computeIfAbsent(torrent, t -> new HashMap<>());
            if (event == EVENT_STOPPED) {
                peers.remove(key);
                assertEquals(0, r.peerCount);
            } else {
                boolean isSeeder = seeder || event == EVENT_COMPLETED;
                ModelPeer before = peers.put(key, new ModelPeer(isSeeder, tick));
                if (event == EVENT_COMPLETED && (before == null || !before.seeder())) {
                    completed.merge(torrent, 1, Integer::sum);
                }
                long eligible = peers.entrySet().stream()
                    .filter(e -> !e.getKey().equals(key) && e.getKey().startsWith(ipv6 ? "6/" : "4/"))
                    .filter(e -> !isSeeder || !e.getValue().seeder()).count();
                int want = Math.min(numwant < 0 ? 50 : numwant, 50);
                assertEquals(Math.min(want, eligible), r.peerCount, "seed " + seed + " step " + step);
                assertFalse(peers(r).contains(ipv6 ? v6Key(host, port) : v4Key(host, port)), "asker returned");
            }
            if (peers.isEmpty()) {
                model.remove(torrent);
                if (completed.getOrDefault(torrent, 0) > 0) {
                    emptySince.put(torrent, tick);
                } else {
                    completed.remove(torrent);
                }
            } else {
                emptySince.remove(torrent);
            }
            long modelSeeders = peers.values().stream().filter(ModelPeer::seeder).count();
            assertEquals(modelSeeders, r.seeders, "seed " + seed + " step " + step);
            assertEquals(peers.size() - modelSeeders, r.leechers, "seed " + seed + " step " + step);
            assertEquals((int) completed.getOrDefault(torrent, 0), r.completed, "seed " + seed + " step " + step);
            assertEquals(model.size() + emptySince.size(), shard.torrents(), "seed " + seed + " step " + step);
        }
        long total4 = 0;
        long seeders6 = 0;
        for (Map<String, ModelPeer> peers : model.values()) {
            for (Map.Entry<String, ModelPeer> e : peers.entrySet()) {
                if (e.getKey().startsWith("4/")) total4++;
                else if (e.getValue().seeder()) seeders6++;
            }
        }
        assertEquals(total4, shard.peers(false));
        assertEquals(seeders6, shard.seeders(true));
    }

    static String v6Key(int host, int port) {
        return String.format("20010db800000000%016x%04x", host, port);
    }

    static String v4Key(int host, int port) {
        return String.format("%08x%04x", (10 << 24) + host, port);
    }

    @Test
    void bigSwarmShouldSurviveGrowthShrinkAndExpiry() {
        SwarmShard big = new SwarmShard(settings(10, 100_000), 1);
        List<Integer> hosts = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            announce(big, 1, false, i, 1000 + i % 7, 0, i % 3 == 0, 0, SwarmShard.tick(i % 2 == 0 ? 0 : 100));
            hosts.add(i);
        }
        assertEquals(5_000, big.peers(false));
        for (int i = 0; i < 5_000; i += 2) {
            announce(big, 1, false, i, 1000 + i % 7, EVENT_STOPPED, false, 0, SwarmShard.tick(100));
        }
        assertEquals(2_500, big.peers(false));
        SwarmRequest r = announce(big, 1, false, 1, 1001, 0, false, 50, SwarmShard.tick(100));
        assertEquals(50, r.peerCount);
        cleanFully(big, SwarmShard.tick(100 + TIMEOUT_SECONDS + 8));
        assertEquals(0, big.peers(false));
        assertEquals(0, big.torrents());
    }
}
