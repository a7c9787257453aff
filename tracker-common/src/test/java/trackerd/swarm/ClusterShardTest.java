package trackerd.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Cluster rules on one shard, without sockets or Redis: what a local announce records for the
 * publisher, how another node's changes are applied, and that they never override a newer local
 * announce of the same address and port.
 */
class ClusterShardTest {
    static final int A = 1; // origin indexes of two other nodes
    static final int B = 2;

    final SwarmShard shard = new SwarmShard(SwarmShardTest.settings(1000, 1000), 1);
    final SwarmShardTest helper = new SwarmShardTest();

    SwarmRequest local(int torrent, int host, int event, boolean seeder, int tick) {
        return helper.announce(shard, torrent, false, host, 6881, event, seeder, -1, tick);
    }

    /** A remote IPv4 change for torrent t (hashes as SwarmShardTest builds them) from 10.0.0.host:6881. */
    static void remote(ChangeBuffer batch, int torrent, int host, int flags, int tick) {
        batch.add(0x1111_0000_0000_0000L + torrent, torrent * 31L, torrent, flags, tick,
            ChangeBuffer.keyWord(false, (10L << 24) + host, 6881), 0, 0);
    }

    SwarmRequest scrape(int torrent) {
        return local(torrent, 250, SwarmShardTest.EVENT_NONE, false, 0); // host 250 reads the counts
    }

    @Test
    void localAnnouncesShouldBeCapturedWithTheirFlagsAndTick() {
        assertNull(shard.swapChanges(new ChangeBuffer(64)));
        local(7, 1, SwarmShardTest.EVENT_STARTED, false, 5);
        local(7, 1, SwarmShardTest.EVENT_COMPLETED, false, 6);
        local(7, 1, SwarmShardTest.EVENT_STOPPED, false, 7);
        local(7, 1, SwarmShardTest.EVENT_STOPPED, false, 8); // not there any more: no change
        helper.announce(shard, 7, true, 9, 6882, SwarmShardTest.EVENT_NONE, true, -1, 9);
        ChangeBuffer out = shard.swapChanges(new ChangeBuffer(64));
        assertEquals(4, out.count());
        int p = 0;
        assertEquals(0, out.flags(p));
        assertEquals(5, out.tick(p));
        assertEquals(0x1111_0000_0000_0007L, out.hash0(p));
        assertEquals(7 * 31L, out.hash1(p));
        assertEquals(7, out.hash2(p));
        assertEquals((10L << 24) + 1, out.address0(p));
        assertEquals(6881, out.port(p));
        p = out.next(p);
        assertEquals(ChangeBuffer.SEEDER | ChangeBuffer.COMPLETED, out.flags(p));
        p = out.next(p);
        assertEquals(ChangeBuffer.STOPPED, out.flags(p));
        assertEquals(7, out.tick(p));
        p = out.next(p);
        assertEquals(ChangeBuffer.IPV6 | ChangeBuffer.SEEDER, out.flags(p));
        assertEquals(0x2001_0db8_0000_0000L, out.address0(p));
        assertEquals(9, out.address1(p));
        assertEquals(6882, out.port(p));
        assertEquals(out.size(), out.next(p));
    }

    @Test
    void aReAnnounceThatLeavesTheRecordAsItWasShouldNotBePublished() {
        shard.swapChanges(new ChangeBuffer(64));
        local(7, 1, SwarmShardTest.EVENT_STARTED, false, 5);
        local(7, 1, SwarmShardTest.EVENT_NONE, false, 5); // same tick, same state: the others have it
        local(7, 1, SwarmShardTest.EVENT_COMPLETED, false, 5); // same tick, completed: a seeder, a download
        local(7, 1, SwarmShardTest.EVENT_NONE, true, 5); // same tick, seeder as before
        local(7, 1, SwarmShardTest.EVENT_NONE, true, 6); // a later tick extends its life
        ChangeBuffer remote = new ChangeBuffer(64);
        remote(remote, 7, 2, 0, 6);
        shard.applyRemote(remote, A); // 10.0.0.2 is another node's peer, at tick 6
        local(7, 2, SwarmShardTest.EVENT_NONE, false, 6); // same record, but it is ours now: the others must hear it
        ChangeBuffer out = shard.swapChanges(new ChangeBuffer(64));
        int[] ticks = new int[out.count()];
        int[] flags = new int[out.count()];
        int i = 0;
        for (int p = 0; p < out.size(); p = out.next(p), i++) {
            ticks[i] = out.tick(p);
            flags[i] = out.flags(p);
        }
        assertEquals("[5, 5, 6, 6]", java.util.Arrays.toString(ticks));
        assertEquals(List.of(0, ChangeBuffer.SEEDER | ChangeBuffer.COMPLETED, ChangeBuffer.SEEDER, 0),
            java.util.Arrays.stream(flags).boxed().toList());
    }

    @Test
    void aFullBufferShouldRefuseAndMarkOverflowInsteadOfGrowing() {
        ChangeBuffer small = new ChangeBuffer(9); // two IPv4 changes
        shard.swapChanges(small);
        for (int host = 1; host <= 3; host++) local(1, host, SwarmShardTest.EVENT_NONE, false, 0);
        assertEquals(2, small.count());
        assertTrue(small.overflowed());
        assertEquals(4, scrape(1).leechers, "the announces themselves are answered as ever (3 + the scraping host)");
        small.clear();
        assertFalse(small.overflowed());
    }

    @Test
    void remotePeersShouldBeInRepliesAndCounts() {
        ChangeBuffer batch = new ChangeBuffer(64);
        remote(batch, 3, 1, ChangeBuffer.SEEDER | ChangeBuffer.COMPLETED, 0);
        remote(batch, 3, 2, 0, 0);
        shard.applyRemote(batch, A);
        SwarmRequest r = local(3, 9, SwarmShardTest.EVENT_STARTED, false, 0);
        assertEquals(1, r.seeders);
        assertEquals(2, r.leechers);
        assertEquals(1, r.completed);
        assertEquals(2, r.peerCount, "both remote peers are handed out");
        assertEquals(2, shard.remotePeers());
        assertEquals(2, shard.remoteApplied());
        assertEquals(3, shard.peers(false));
    }

    @Test
    void remoteChangeShouldNeverOverrideANewerLocalAnnounce() {
        local(4, 1, SwarmShardTest.EVENT_STARTED, false, 100);
        ChangeBuffer older = new ChangeBuffer(64);
        remote(older, 4, 1, ChangeBuffer.STOPPED, 99);
        remote(older, 4, 1, ChangeBuffer.STOPPED, 100); // same tick: the local announce wins too
        remote(older, 4, 1, 0, 100); // (a tie goes to another node's change only when it makes a leecher a seeder)
        shard.applyRemote(older, A);
        assertEquals(3, shard.remoteIgnored());
        assertEquals(0, shard.remotePeers());
        assertEquals(1, scrape(4).leechers - 1, "still the local leecher (and the scraping host)");
        assertEquals(0, scrape(4).seeders);
        // the client announced to another node later: that node's change takes over, the peer is now A's
        ChangeBuffer newer = new ChangeBuffer(64);
        remote(newer, 4, 1, ChangeBuffer.SEEDER, 101);
        shard.applyRemote(newer, A);
        assertEquals(1, shard.remotePeers());
        assertEquals(1, scrape(4).seeders);
        // and when it comes back here it is local again: losing A does not take it away
        local(4, 1, SwarmShardTest.EVENT_NONE, true, 102);
        assertEquals(0, shard.remotePeers());
        shard.dropOrigin(A);
        clean(102);
        assertEquals(0, shard.remoteDropped());
        assertEquals(1, scrape(4).seeders);
    }

    @Test
    void tickComparisonShouldHoldAcrossTheWrap() {
        local(5, 1, SwarmShardTest.EVENT_STARTED, false, 2); // just after the tick counter wrapped
        ChangeBuffer batch = new ChangeBuffer(64);
        remote(batch, 5, 1, ChangeBuffer.STOPPED, PeerStore.TICK_MASK); // one tick before the wrap: older
        shard.applyRemote(batch, A);
        assertEquals(1, shard.remoteIgnored());
    }

    /**
     * A batch is applied in groups whose lookups are touched first (SwarmShard.touchGroup), with
     * hashes computed once per group: the result must be that of its changes applied one by one,
     * also when changes of one group add, flip and remove the same peers, mix families and create
     * and empty torrents.
     */
    @Test
    void aBatchShouldEndAsItsChangesAppliedOneByOne() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(14);
        ChangeBuffer batch = new ChangeBuffer(6 * 5000);
        for (int i = 0; i < 5000; i++) {
            int torrent = random.nextInt(40);
            int host = random.nextInt(120);
            int flags = (random.nextInt(3) == 0 ? ChangeBuffer.SEEDER : 0)
                | (random.nextInt(8) == 0 ? ChangeBuffer.STOPPED : 0)
                | (random.nextInt(20) == 0 ? ChangeBuffer.COMPLETED : 0);
            if (random.nextInt(4) == 0) {
                batch.add(0x1111_0000_0000_0000L + torrent, torrent * 31L, torrent, flags | ChangeBuffer.IPV6, i / 500,
                    ChangeBuffer.keyWord(true, 0, 6881), 0x2001_0db8_0000_0000L, host);
            } else {
                remote(batch, torrent, host, flags, i / 500);
            }
        }
        SwarmShard oneByOne = new SwarmShard(SwarmShardTest.settings(1000, 1000), 1);
        applyOneByOne(oneByOne, batch, A);
        shard.applyRemote(batch, A);

        assertEquals(counts(oneByOne), counts(shard));
        assertEquals(oneByOne.remotePeers(), shard.remotePeers());
        assertEquals(oneByOne.remoteApplied(), shard.remoteApplied());
        assertTrue(shard.peers(false) > 100 && shard.peers(true) > 30, "both families kept peers: " + counts(shard));
    }

    /** Applies each change of {@code batch} as a batch of its own: the reference a whole batch must match. */
    static void applyOneByOne(SwarmShard s, ChangeBuffer batch, int origin) {
        ChangeBuffer single = new ChangeBuffer(6);
        for (int pos = 0; pos < batch.size(); pos = batch.next(pos)) {
            single.clear();
            single.add(batch.hash0(pos), batch.hash1(pos), batch.hash2(pos), batch.flags(pos), batch.tick(pos),
                batch.keyWord(pos), batch.address0(pos), batch.address1(pos));
            s.applyRemote(single, origin);
        }
    }

    private static String counts(SwarmShard s) {
        java.util.TreeMap<Long, String> torrents = new java.util.TreeMap<>();
        s.forEachTorrent((h0, h1, h2, seeders, completed, leechers) -> {
            torrents.put(h0, seeders + "/" + completed + "/" + leechers);
            return true;
        });
        return s.peers(false) + " " + s.peers(true) + " " + s.seeders(false) + " " + s.seeders(true) + " " + torrents;
    }

    @Test
    void losingANodeShouldRemoveExactlyItsPeers() {
        ChangeBuffer fromA = new ChangeBuffer(256);
        ChangeBuffer fromB = new ChangeBuffer(256);
        for (int host = 1; host <= 40; host++) {
            remote(fromA, host % 3, host, host % 2 == 0 ? ChangeBuffer.SEEDER : 0, 0);
            remote(fromB, host % 3, 100 + host, 0, 0);
        }
        shard.applyRemote(fromA, A);
        shard.applyRemote(fromB, B);
        local(0, 200, SwarmShardTest.EVENT_STARTED, false, 0);
        assertEquals(81, shard.peers(false));
        shard.dropOrigin(A);
        assertTrue(shard.purgePending(), "the worker starts a cleaning pass for it");
        clean(0);
        assertEquals(40, shard.remoteDropped());
        assertEquals(41, shard.peers(false));
        assertEquals(0, shard.seeders(false));
        assertEquals(40, shard.remotePeers());
        shard.dropOrigin(B);
        clean(0);
        assertEquals(1, shard.peers(false));
        assertEquals(1, shard.torrents(), "torrents left without peers are gone");
    }

    @Test
    void remoteStopShouldRemoveTheRemotePeer() {
        ChangeBuffer batch = new ChangeBuffer(64);
        remote(batch, 6, 1, 0, 0);
        shard.applyRemote(batch, A);
        batch.clear();
        remote(batch, 6, 1, ChangeBuffer.STOPPED, 1);
        shard.applyRemote(batch, A);
        assertEquals(0, shard.remotePeers());
        assertEquals(0, shard.torrents());
    }

    @Test
    void remotePeersShouldExpireByTheSameTimeoutAndLeaveNoEntryBehind() {
        ChangeBuffer batch = new ChangeBuffer(64);
        remote(batch, 8, 1, 0, 10);
        shard.applyRemote(batch, A);
        int timeoutTicks = SwarmShardTest.TIMEOUT_SECONDS / PeerStore.TICK_SECONDS;
        clean(10 + timeoutTicks - 1);
        assertEquals(1, shard.remotePeers());
        assertEquals(1, shard.peers(false));
        clean(10 + timeoutTicks + 1);
        assertEquals(0, shard.peers(false));
        assertEquals(0, shard.remotePeers(), "the side entry expired with its peer");
    }

    @Test
    void dropShouldRunInSlicesAndSurviveBatchesArrivingBetweenThem() {
        ChangeBuffer fromA = new ChangeBuffer(4 * 5000);
        for (int host = 1; host <= 5000; host++) remote(fromA, host % 50, host, 0, 0);
        shard.applyRemote(fromA, A);
        shard.dropOrigin(A);
        int slices = 0;
        boolean grown = false;
        while (!shard.cleanSlice(0, 100)) {
            slices++;
            if (!grown && slices == 3) { // a batch of B's lands mid-walk and grows the side table
                ChangeBuffer fromB = new ChangeBuffer(4 * 20_000);
                for (int host = 10_001; host <= 30_000; host++) remote(fromB, host % 50, host, 0, 0);
                shard.applyRemote(fromB, B);
                grown = true;
            }
            assertTrue(slices < 10_000, "bounded");
        }
        assertTrue(slices > 10, "in slices of about 100 entries, not one go: " + slices);
        assertEquals(5000, shard.remoteDropped());
        assertEquals(20_000, shard.remotePeers());
        assertEquals(20_000, shard.peers(false));
    }

    private void clean(int tick) {
        for (int i = 0; i < 1000 && !shard.cleanSlice(tick, 100); i++) {
            // bounded: a pass over this shard takes a few slices
        }
    }

    /** The side table's cost per remote peer (the figure in RemotePeers' javadoc and the README). */
    @Test
    void remotePeerSideTableShouldCostUnderNinetyBytesAPeer() {
        RemotePeers table = new RemotePeers(false, 42);
        int n = 1 << 20;
        for (int i = 1; i <= n; i++) {
            table.put(i, i * 7L, i, 0, 0, ((long) i << 32) | (6881L << 16), 1, 0);
        }
        long bytesPerPeer = table.bytes() / n;
        // load 0.5 at 2^20 entries; the table swings between load 0.375 (85 bytes) and 0.75 (43)
        System.out.printf("remote side table: %d bytes per IPv4 remote peer at %d peers%n", bytesPerPeer, n);
        assertTrue(bytesPerPeer <= 86, bytesPerPeer + " bytes");
        assertEquals(n, table.size());
    }
}
