package trackerd.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The WebTorrent swarm rules of {@link SwarmShard}, without sockets. */
class WsSwarmsTest {
    final SwarmShard shard = new SwarmShard(SwarmShardTest.settings(1000, 1000), 1);
    final SwarmRequest r = SwarmRequest.detached(50);
    final RelayBlock relay = new RelayBlock(10);

    /** Peer {@code peer} (its id words derive from it) on loop {@code loop}, connection {@code conn}. */
    SwarmRequest announce(int torrent, int peer, int loop, long conn, AnnounceEvent event, boolean seeder, int tick) {
        r.reset();
        r.kind = RequestKind.ANNOUNCE;
        r.webTorrent = true;
        r.infoHash0 = 0x2222_0000_0000_0000L + torrent;
        r.infoHash1 = torrent;
        r.infoHash2 = torrent;
        r.peerId0 = 0x5050_0000_0000_0000L + peer;
        r.peerId1 = peer * 7L;
        r.peerId2 = peer;
        r.loopIndex = loop;
        r.connection = conn;
        r.event = event;
        r.seeder = seeder;
        r.address0 = 0x7F00_0001L;
        shard.announce(r, tick);
        return r;
    }

    SwarmRequest announce(int torrent, int peer, long conn) {
        return announce(torrent, peer, 0, conn, AnnounceEvent.STARTED, false, 0);
    }

    SwarmRequest offers(int torrent, int peer, long conn, boolean seeder, int... offerIds) {
        return offers(torrent, peer, 0, conn, seeder, offerIds);
    }

    SwarmRequest offers(int torrent, int peer, int loop, long conn, boolean seeder, int... offerIds) {
        relay.clear();
        for (int id : offerIds) relay.addOffer(0xAAAAL, id, id);
        r.reset();
        r.relay = relay;
        return announceKeepingRelay(torrent, peer, loop, conn, AnnounceEvent.NONE, seeder, 0);
    }

    SwarmRequest announceKeepingRelay(int torrent, int peer, int loop, long conn, AnnounceEvent event, boolean seeder,
                                      int tick) {
        RelayBlock keep = r.relay;
        r.reset();
        r.relay = keep;
        r.kind = RequestKind.ANNOUNCE;
        r.webTorrent = true;
        r.infoHash0 = 0x2222_0000_0000_0000L + torrent;
        r.infoHash1 = torrent;
        r.infoHash2 = torrent;
        r.peerId0 = 0x5050_0000_0000_0000L + peer;
        r.peerId1 = peer * 7L;
        r.peerId2 = peer;
        r.loopIndex = loop;
        r.connection = conn;
        r.event = event;
        r.seeder = seeder;
        shard.announce(r, tick);
        return r;
    }

    SwarmRequest answer(int torrent, int answerer, long conn, int offerer, int offerId, int tick) {
        relay.clear();
        relay.setAnswer(0x5050_0000_0000_0000L + offerer, offerer * 7L, offerer, 0xAAAAL, offerId, offerId);
        r.reset();
        r.relay = relay;
        return announceKeepingRelay(torrent, answerer, 0, conn, AnnounceEvent.NONE, false, tick);
    }

    @Test
    void shouldSendEachOfferToADistinctOtherPeerWithItsLoopAndConnection() {
        for (int p = 1; p <= 5; p++) announce(1, p, p % 2, 100 + p, AnnounceEvent.STARTED, false, 0);
        SwarmRequest done = offers(1, 1, 1, 101, false, 1, 2, 3, 4, 5, 6);
        assertEquals(RequestStatus.OK, done.status);
        assertEquals(4, relay.recipientCount(), "four other peers, whatever the offers");
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < relay.recipientCount(); i++) {
            int peer = relay.recipientPeer2(i);
            assertNotEquals(1, peer, "never the offerer");
            assertTrue(seen.add(peer), "distinct recipients");
            assertEquals(100 + peer, relay.recipientConnection(i));
            assertEquals(peer % 2, relay.recipientLoop(i));
        }
        assertEquals(0, done.seeders);
        assertEquals(5, done.leechers);
    }

    @Test
    void shouldSendASeedersOffersToLeechersOnly() {
        announce(1, 2, 0, 102, AnnounceEvent.STARTED, true, 0);
        announce(1, 3, 0, 103, AnnounceEvent.STARTED, false, 0);
        announce(1, 4, 0, 104, AnnounceEvent.STARTED, true, 0);
        offers(1, 1, 101, true, 1, 2, 3);
        assertEquals(1, relay.recipientCount());
        assertEquals(3, relay.recipientPeer2(0));
    }

    @Test
    void shouldRelayAnAnswerOnlyToAnOffererWaitingForItFromThisAnswerer() {
        announce(1, 2, 0, 202, AnnounceEvent.STARTED, false, 0);
        offers(1, 1, 101, false, 77);
        assertEquals(1, relay.recipientCount());
        assertEquals(2, relay.recipientPeer2(0));

        answer(1, 3, 303, 1, 77, 0); // a third peer was never offered 77
        assertFalse(relay.answerRelayed());
        answer(1, 2, 202, 1, 78, 0); // wrong offer id
        assertFalse(relay.answerRelayed());
        answer(1, 2, 202, 1, 77, 1);
        assertTrue(relay.answerRelayed());
        assertEquals(1, relay.recipientCount());
        assertEquals(101, relay.recipientConnection(0), "to the offerer's connection");
        assertEquals(1, relay.recipientPeer2(0));
        answer(1, 2, 202, 1, 77, 1);
        assertFalse(relay.answerRelayed(), "one answer per offer");
    }

    @Test
    void shouldRefuseAnAnswerAfterThePendingOfferExpired() {
        announce(1, 2, 202);
        offers(1, 1, 101, false, 9);
        int late = (PendingOffers.TIMEOUT_SECONDS + 2 * PeerStore.TICK_SECONDS) / PeerStore.TICK_SECONDS;
        answer(1, 2, 202, 1, 9, late);
        assertFalse(relay.answerRelayed());
    }

    @Test
    void shouldRefuseAnAnswerToAnOffererWhoLeft() {
        announce(1, 2, 202);
        offers(1, 1, 101, false, 9);
        shard.dropWsConnection(0, 101, new long[] {0x2222_0000_0000_0001L, 1, 1}, 1);
        answer(1, 2, 202, 1, 9, 0);
        assertFalse(relay.answerRelayed());
    }

    @Test
    void shouldRefuseAPeerIdHeldByAnotherConnection() {
        announce(1, 1, 101);
        assertEquals(RequestStatus.PEER_ID_TAKEN, announce(1, 1, 0, 999, AnnounceEvent.STARTED, false, 0).status);
        assertEquals(RequestStatus.PEER_ID_TAKEN, announce(1, 1, 1, 101, AnnounceEvent.STARTED, false, 0).status,
            "same token on another loop is another connection");
        assertEquals(RequestStatus.PEER_ID_TAKEN, announce(1, 1, 0, 999, AnnounceEvent.STOPPED, false, 0).status);
        assertEquals(RequestStatus.OK, announce(1, 1, 101).status);
        assertEquals(1, shard.wsPeers());
    }

    @Test
    void shouldLetAConnectionHoldOnePeerIdPerTorrent() {
        announce(1, 1, 101);
        assertEquals(RequestStatus.ONE_PEER_ID_PER_TORRENT, announce(1, 2, 101).status);
        assertEquals(RequestStatus.OK, announce(2, 2, 101).status, "another torrent is fine");
        assertEquals(2, shard.wsPeers());
    }

    @Test
    void shouldRemoveAtStopAndCountCompletedOnce() {
        announce(1, 1, 101);
        SwarmRequest done = announce(1, 1, 0, 101, AnnounceEvent.COMPLETED, false, 0);
        assertEquals(1, done.seeders);
        assertEquals(1, done.completed);
        done = announce(1, 1, 0, 101, AnnounceEvent.COMPLETED, true, 0);
        assertEquals(1, done.completed, "already a seeder");
        done = announce(1, 1, 0, 101, AnnounceEvent.STOPPED, true, 0);
        assertEquals(0, done.seeders + done.leechers);
        assertEquals(0, shard.wsPeers());
        assertEquals(0, shard.wsTorrents());
    }

    @Test
    void shouldKeepWebTorrentSwarmsApartFromBitTorrentOnesAndScrapeThem() {
        announce(1, 1, 0, 101, AnnounceEvent.STARTED, true, 0);
        announce(1, 2, 102);
        announce(1, 3, 103);
        ScrapeBlock block = new ScrapeBlock(4);
        block.add(0x2222_0000_0000_0001L, 1, 1);
        block.add(0x2222_0000_0000_0002L, 2, 2);
        shard.scrape(block, 0, true);
        assertEquals(1, block.seeders(0));
        assertEquals(2, block.leechers(0));
        assertEquals(0, block.leechers(1));
        shard.scrape(block, 0, false);
        assertEquals(0, block.seeders(0) + block.leechers(0), "no BitTorrent peers in that torrent");
        assertEquals(0, shard.torrents());
        assertEquals(1, shard.wsTorrents());
    }

    @Test
    void shouldDropAClosedConnectionsPeersInEveryTorrentItNames() {
        announce(1, 1, 101);
        announce(2, 1, 101);
        announce(1, 2, 102);
        shard.dropWsConnection(0, 101, new long[] {0x2222_0000_0000_0001L, 1, 1, 0x2222_0000_0000_0002L, 2, 2}, 2);
        assertEquals(1, shard.wsPeers());
        assertEquals(1, shard.wsTorrents());
        assertEquals(RequestStatus.OK, announce(1, 1, 0, 555, AnnounceEvent.STARTED, false, 0).status,
            "the id is free again");
    }

    @Test
    void shouldExpireSilentPeersWhenCleaning() {
        announce(1, 1, 0, 101, AnnounceEvent.STARTED, false, 0);
        announce(1, 2, 0, 102, AnnounceEvent.STARTED, false, 20);
        int tick = 20;
        while (!shard.cleanSlice(tick, 1_000_000)) { } // bounded: two tables, budget covers both
        assertEquals(1, shard.wsPeers());
        assertEquals(1, shard.wsExpiredPeers());
    }

    @Test
    void shouldPurgeWebTorrentSwarmsTheAccessListForbids() {
        announce(1, 1, 101);
        announce(2, 2, 102);
        shard.purge((h0, h1, h2) -> h2 == 1);
        for (int i = 0; i < 3 && !shard.cleanSlice(0, 1_000_000); i++) { }
        assertEquals(1, shard.wsTorrents());
        assertEquals(1, shard.wsPeers());
    }

    @Test
    void shouldRefuseNewPeersPastMaxPeersPerTorrent() {
        SwarmShard small = new SwarmShard(SwarmShardTest.settings(1000, 2), 1);
        SwarmRequest q = SwarmRequest.detached(50);
        for (int p = 1; p <= 3; p++) {
            q.reset();
            q.kind = RequestKind.ANNOUNCE;
            q.webTorrent = true;
            q.infoHash0 = 5;
            q.peerId2 = p;
            q.connection = p;
            small.announce(q, 0);
        }
        assertEquals(RequestStatus.TOO_MANY_PEERS, q.status);
        assertEquals(2, small.wsPeers());
    }
}
