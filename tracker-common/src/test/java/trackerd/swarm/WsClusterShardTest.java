package trackerd.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * WebTorrent peers across cluster nodes on one shard (issue 14), without sockets or Redis: local
 * WS changes captured for the publisher, other nodes' WS peers applied as remote peers (counted,
 * chosen as offer recipients, dropped with their node, expired), and offers and answers relayed
 * from other nodes routed with the pending-offer checks.
 */
class WsClusterShardTest {
    static final int A = 3; // origin index of another node

    final WsSwarmsTest ws = new WsSwarmsTest();
    final SwarmShard shard = ws.shard;

    static long peer0(int peer) {
        return 0x5050_0000_0000_0000L + peer;
    }

    static long hash0(int torrent) {
        return 0x2222_0000_0000_0000L + torrent;
    }

    /** A remote WS change of peer {@code peer} (ids as WsSwarmsTest builds them) in torrent t. */
    static void remote(ChangeBuffer batch, int torrent, int peer, int flags, int tick) {
        batch.add(hash0(torrent), torrent, torrent, flags | ChangeBuffer.WEBTORRENT, tick, peer0(peer), peer * 7L,
            peer);
    }

    void apply(int torrent, int peer, int flags, int tick, int origin) {
        ChangeBuffer batch = new ChangeBuffer(64);
        remote(batch, torrent, peer, flags, tick);
        shard.applyRemote(batch, origin);
    }

    /** Seeders, completed, leechers of torrent t's WebTorrent swarm. */
    int[] scrape(int torrent) {
        ScrapeBlock block = new ScrapeBlock(1);
        block.add(hash0(torrent), torrent, torrent);
        shard.scrape(block, 0, true);
        return new int[] {block.seeders(0), block.completed(0), block.leechers(0)};
    }

    @Test
    void localWsChangesShouldBeCapturedWithPeerIdFlagsAndTick() {
        shard.swapChanges(new ChangeBuffer(256));
        ws.announce(1, 1, 0, 101, AnnounceEvent.STARTED, false, 5);
        ws.announce(1, 1, 0, 101, AnnounceEvent.COMPLETED, false, 6);
        ws.announce(1, 1, 0, 101, AnnounceEvent.STOPPED, false, 7);
        ws.announce(1, 2, 1, 102, AnnounceEvent.STARTED, true, 8);
        shard.dropWsConnection(1, 102, new long[] {hash0(1), 1, 1}, 1); // the connection of peer 2 closes
        ChangeBuffer out = shard.swapChanges(null);
        assertEquals(5, out.count());
        int p = 0;
        assertEquals(ChangeBuffer.WEBTORRENT, out.flags(p));
        assertEquals(5, out.tick(p));
        assertEquals(hash0(1), out.hash0(p));
        assertEquals(1, out.hash1(p));
        assertEquals(1, out.hash2(p));
        assertEquals(peer0(1), out.keyWord(p), "peer id bytes 0-7");
        assertEquals(7, out.address0(p), "peer id bytes 8-15");
        assertEquals(1, out.address1(p), "peer id bytes 16-19");
        p = out.next(p);
        assertEquals(6, p, "six words a WebTorrent change");
        assertEquals(ChangeBuffer.WEBTORRENT | ChangeBuffer.SEEDER | ChangeBuffer.COMPLETED, out.flags(p));
        p = out.next(p);
        assertEquals(ChangeBuffer.WEBTORRENT | ChangeBuffer.STOPPED, out.flags(p));
        p = out.next(p);
        assertEquals(ChangeBuffer.WEBTORRENT | ChangeBuffer.SEEDER, out.flags(p));
        assertEquals(2, out.address1(p));
        p = out.next(p);
        assertEquals(ChangeBuffer.WEBTORRENT | ChangeBuffer.STOPPED, out.flags(p), "a close stops its peers");
        assertEquals(2, out.address1(p));
        assertEquals(8, out.tick(p), "the shard's latest tick");
    }

    @Test
    void remoteWsPeersShouldCountAndBeChosenAsOfferRecipientsOfTheirNode() {
        apply(1, 2, ChangeBuffer.SEEDER, 0, A);
        apply(1, 3, 0, 0, A);
        assertEquals(2, shard.wsPeers());
        assertEquals(1, shard.remoteApplied() - 1, "both applied");
        ws.announce(1, 1, 0, 101, AnnounceEvent.STARTED, false, 0);
        assertEquals(1, ws.r.seeders, "the remote seeder counts in the announce reply");
        assertEquals(2, ws.r.leechers);
        assertEquals(1, scrape(1)[0]);
        assertEquals(2, scrape(1)[2]);

        ws.offers(1, 1, 101, false, 10, 11);
        assertEquals(2, ws.relay.recipientCount());
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 2; i++) {
            assertEquals(RelayBlock.REMOTE_LOOP, ws.relay.recipientLoop(i), "held by another node");
            assertEquals(A, ws.relay.recipientConnection(i), "that node's origin");
            seen.add(ws.relay.recipientPeer2(i));
        }
        assertEquals(Set.of(2, 3), seen);

        apply(1, 2, ChangeBuffer.STOPPED, 0, A);
        assertEquals(0, scrape(1)[0], "a remote stop removes the peer");
        assertEquals(2, scrape(1)[2]);

        apply(1, 3, 0, 1, A + 1); // peer 3's browser moved to a third node, which announced it
        apply(1, 3, ChangeBuffer.STOPPED, 1, A); // the node it left says stopped (its connection closed)
        assertEquals(2, scrape(1)[2], "only the node that holds the entry now may stop it");
        ws.offers(1, 1, 101, false, 12);
        assertEquals(A + 1, ws.relay.recipientConnection(0), "offers go to the node that holds it now");
    }

    @Test
    void aRemotePeerIdShouldNeverTakeOverALocalConnectionsPeerId() {
        ws.announce(1, 1, 0, 101, AnnounceEvent.STARTED, false, 0);
        long ignored = shard.remoteIgnored();
        apply(1, 1, ChangeBuffer.SEEDER, 0, A);
        apply(1, 1, ChangeBuffer.STOPPED, 0, A);
        assertEquals(ignored + 2, shard.remoteIgnored());
        assertEquals(1, shard.wsPeers());
        assertEquals(1, scrape(1)[2], "still the local leecher");
        ws.offers(1, 2, 0, 102, false, 9); // another local peer offers: to peer 1 on its own connection
        assertEquals(0, ws.relay.recipientLoop(0));
        assertEquals(101, ws.relay.recipientConnection(0));
    }

    @Test
    void aLocalAnnounceShouldTakeOverARemoteEntryOfItsPeerId() {
        apply(1, 1, 0, 0, A);
        ws.announce(1, 1, 1, 101, AnnounceEvent.STARTED, true, 1); // the browser now announces here
        assertEquals(RequestStatus.OK, ws.r.status);
        assertEquals(1, shard.wsPeers());
        assertEquals(1, scrape(1)[0]);
        ws.offers(1, 2, 0, 102, false, 9);
        assertEquals(1, ws.relay.recipientLoop(0), "local now");
        assertEquals(101, ws.relay.recipientConnection(0));
        apply(1, 1, ChangeBuffer.STOPPED, 1, A);
        assertEquals(2, shard.wsPeers(), "the old node's late stop does not remove the local peer");
    }

    @Test
    void aLostNodesWsPeersShouldLeaveInCleaningSlicesAndRemoteOnesExpire() {
        for (int p = 1; p <= 20; p++) apply(p % 3, p, 0, 0, A);
        apply(0, 50, 0, 0, A + 1);
        ws.announce(0, 99, 0, 199, AnnounceEvent.STARTED, false, 0);
        assertEquals(22, shard.wsPeers());
        shard.dropOrigin(A);
        assertTrue(shard.dropPending());
        int slices = 0;
        while (shard.dropPending() && slices++ < 100_000) shard.cleanSlice(0, 64);
        assertFalse(shard.dropPending());
        assertEquals(2, shard.wsPeers(), "the other node's peer and the local one stay");
        assertEquals(20, shard.remoteDropped());

        int timeoutTicks = (SwarmShardTest.TIMEOUT_SECONDS + PeerStore.TICK_SECONDS - 1) / PeerStore.TICK_SECONDS + 1;
        for (int i = 0; i < 10 && !shard.cleanSlice(timeoutTicks + 1, 1 << 20); i++) { }
        assertEquals(0, shard.wsPeers(), "remote and local WS peers expire by the same timeout");
    }

    @Test
    void anOfferFromAnotherNodeShouldReachALocalRecipientAndItsAnswerBePending() {
        ws.announce(1, 2, 0, 102, AnnounceEvent.STARTED, false, 0); // recipient, local on loop 0
        apply(1, 1, 0, 0, A); // the offerer, on node A
        // offer 77 of peer 1 (node A) for peer 2
        assertTrue(shard.routeRemoteOffer(hash0(1), 1, 1, 0xAAAAL, 77, 77, peer0(1), 7, 1, peer0(2), 14, 2, 0, A));
        assertEquals(0, shard.routedLoop());
        assertEquals(102, shard.routedConnection());
        assertFalse(shard.routeRemoteOffer(hash0(1), 1, 1, 0xAAAAL, 78, 78, peer0(2), 14, 2, peer0(1), 7, 1, 0, A),
            "a recipient held by another node is not here");
        assertFalse(shard.routeRemoteOffer(hash0(1), 1, 1, 0xAAAAL, 78, 78, peer0(1), 7, 1, peer0(9), 63, 9, 0, A),
            "an unknown recipient");

        // the local peer answers: the offerer is remote, so the answer goes back to node A
        ws.answer(1, 2, 102, 1, 76, 0);
        assertFalse(ws.relay.answerRelayed(), "never offered 76");
        ws.answer(1, 2, 102, 1, 77, 0);
        assertTrue(ws.relay.answerRelayed());
        assertEquals(RelayBlock.REMOTE_LOOP, ws.relay.recipientLoop(0));
        assertEquals(A, ws.relay.recipientConnection(0));
    }

    @Test
    void anOffererNotKnownYetShouldJoinAsAPeerOfTheSendingNodeSoItsAnswerCanGoBack() {
        ws.announce(1, 2, 0, 102, AnnounceEvent.STARTED, false, 0); // recipient, local
        // the offer overtook the offerer's announce in the change stream
        assertTrue(shard.routeRemoteOffer(hash0(1), 1, 1, 0xAAAAL, 77, 77, peer0(1), 7, 1, peer0(2), 14, 2, 0, A));
        assertEquals(2, shard.wsPeers());
        ws.answer(1, 2, 102, 1, 77, 0);
        assertTrue(ws.relay.answerRelayed(), "answered at once, before the change stream brings the offerer");
        assertEquals(RelayBlock.REMOTE_LOOP, ws.relay.recipientLoop(0));
        assertEquals(A, ws.relay.recipientConnection(0), "back to the node the offer came from");
        apply(1, 1, ChangeBuffer.SEEDER, 0, A); // then its change arrives: the same peer, now a seeder
        assertEquals(2, shard.wsPeers());
        assertEquals(1, scrape(1)[0]);
        assertTrue(shard.routeRemoteOffer(hash0(1), 1, 1, 0xAAAAL, 78, 78, peer0(3), 21, 3, peer0(2), 14, 2, 0, -1));
        assertEquals(2, shard.wsPeers(), "from a node not heard from yet: routed, but not added");
    }

    @Test
    void anAnswerFromAnotherNodeShouldReachTheOffererOnlyWhenItsOfferIsPending() {
        ws.announce(1, 1, 0, 101, AnnounceEvent.STARTED, false, 0); // offerer, local
        apply(1, 2, 0, 0, A); // answerer, on node A
        ws.offers(1, 1, 101, false, 77);
        assertEquals(RelayBlock.REMOTE_LOOP, ws.relay.recipientLoop(0));
        long refused = shard.wsRefusedAnswers();
        assertFalse(shard.routeRemoteAnswer(hash0(1), 1, 1, 0xAAAAL, 78, 78, peer0(2), 14, 2, peer0(1), 7, 1, 0),
            "no pending offer 78");
        assertEquals(refused + 1, shard.wsRefusedAnswers());
        assertTrue(shard.routeRemoteAnswer(hash0(1), 1, 1, 0xAAAAL, 77, 77, peer0(2), 14, 2, peer0(1), 7, 1, 0));
        assertEquals(0, shard.routedLoop());
        assertEquals(101, shard.routedConnection());
        assertFalse(shard.routeRemoteAnswer(hash0(1), 1, 1, 0xAAAAL, 77, 77, peer0(2), 14, 2, peer0(1), 7, 1, 0),
            "one answer per offer");
    }
}
