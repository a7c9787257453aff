package trackerd.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import trackerd.swarm.AnnounceEvent;
import trackerd.swarm.CrossNodeRelay;
import trackerd.swarm.RelayBlock;
import trackerd.swarm.RequestKind;
import trackerd.swarm.SwarmRequest;
import trackerd.swarm.SwarmShard;

/**
 * WebTorrent across two nodes (engine + ClusterNode each, one real redis-server), without
 * sockets: a WS peer of one node is a peer on the other, an offer for it crosses Redis to its
 * node and reaches its connection's loop there (a recording door stands in for the front end),
 * the answer comes back the same way, and an answer without a pending offer is refused.
 */
@Timeout(60)
class CrossNodeRelayTest {
    static final int T = 5;

    @TempDir
    Path dir;
    RedisServer redis;
    List<RedisServer> redisCluster = List.of();
    ClusterNodeTest.Node a;
    ClusterNodeTest.Node b;

    /** What a node's front end was handed: loop, connection, kind, bytes. */
    record Delivery(int loop, long connection, int kind, byte[] frame) { }

    static LinkedBlockingQueue<Delivery> door(ClusterNodeTest.Node node) {
        LinkedBlockingQueue<Delivery> got = new LinkedBlockingQueue<>();
        node.cluster.serveWebTorrent((loop, connection, kind, frame, offset, length) ->
            got.add(new Delivery(loop, connection, kind, Arrays.copyOfRange(frame, offset, offset + length))));
        return got;
    }

    static long peer0(int peer) {
        return 0x2D57_5700_0000_0000L + peer;
    }

    /** A WS announce of peer {@code peer} on connection {@code conn} of loop 0, with {@code relay} (may be null). */
    static SwarmRequest wsAnnounce(ClusterNodeTest.Node node, int peer, long conn, RelayBlock relay) throws Exception {
        SwarmRequest r = SwarmRequest.detached(50);
        r.kind = RequestKind.ANNOUNCE;
        r.webTorrent = true;
        r.infoHash0 = ClusterNodeTest.hash0(T);
        r.infoHash1 = T;
        r.infoHash2 = T;
        r.peerId0 = peer0(peer);
        r.peerId1 = peer;
        r.peerId2 = peer;
        r.loopIndex = 0;
        r.connection = conn;
        r.event = peer < 0 ? AnnounceEvent.STOPPED : AnnounceEvent.NONE;
        r.relay = relay;
        return node.onShard(T, s -> {
            s.announce(r, SwarmShard.tick(node.clock.nowSeconds()));
            return r;
        });
    }

    static void awaitWsPeers(ClusterNodeTest.Node node, int expected) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (true) {
            SwarmRequest r = wsAnnounce(node, -1, 999, null); // a stop of nobody reads the counts
            if (r.seeders + r.leechers == expected) return;
            assertTrue(System.nanoTime() - deadline < 0, "WS peers " + (r.seeders + r.leechers) + ", expected "
                + expected + "; " + ClusterNodeTest.metrics(node));
            TimeUnit.MILLISECONDS.sleep(10); // polling interval, bounded by the deadline
        }
    }

    static CrossNodeRelay relay(int kind, int origin, int from, int offer, int to, String frame) {
        CrossNodeRelay c = new CrossNodeRelay();
        c.kind = kind;
        c.origin = origin;
        c.infoHash0 = ClusterNodeTest.hash0(T);
        c.infoHash1 = T;
        c.infoHash2 = T;
        c.from0 = peer0(from);
        c.from1 = from;
        c.from2 = from;
        c.offer0 = 0x4F46_4645_5200_0000L;
        c.offer1 = offer;
        c.offer2 = offer;
        c.to0 = peer0(to);
        c.to1 = to;
        c.to2 = to;
        c.frame = frame.getBytes(StandardCharsets.UTF_8);
        c.frameLength = c.frame.length;
        return c;
    }

    @AfterEach
    void close() throws Exception {
        if (a != null) a.close();
        if (b != null) b.close();
        if (redis != null) redis.close();
        for (RedisServer master : redisCluster) master.close();
    }

    @Test
    void anOfferShouldReachThePeersNodeAndItsAnswerComeBackOnlyWhenPending() throws Exception {
        redis = RedisServer.start(dir);
        a = new ClusterNodeTest.Node("a", redis.url());
        b = new ClusterNodeTest.Node("b", redis.url());
        offerAndAnswerAcrossNodes();
    }

    /** The same on a three-master Redis Cluster: each node's relay channel by sharded pub/sub. */
    @Test
    void relaysShouldCrossARedisClusterWithShardedPubSub() throws Exception {
        redisCluster = RedisServer.startCluster(dir);
        List<String> seeds = redisCluster.stream().map(RedisServer::url).toList();
        a = new ClusterNodeTest.Node("a", seeds);
        b = new ClusterNodeTest.Node("b", seeds);
        offerAndAnswerAcrossNodes();
    }

    private void offerAndAnswerAcrossNodes() throws Exception {
        LinkedBlockingQueue<Delivery> atA = door(a);
        LinkedBlockingQueue<Delivery> atB = door(b);
        ClusterNodeTest.awaitEachOther(a, b);

        wsAnnounce(b, 2, 42, null); // the recipient, a browser on b
        awaitWsPeers(a, 1);

        RelayBlock offers = new RelayBlock(4);
        offers.addOffer(0x4F46_4645_5200_0000L, 77, 77);
        wsAnnounce(a, 1, 7, offers); // the offerer, on a: its offer goes to b's peer
        assertEquals(1, offers.recipientCount());
        assertEquals(RelayBlock.REMOTE_LOOP, offers.recipientLoop(0));
        int originOfB = (int) offers.recipientConnection(0);
        assertTrue(a.cluster.crossNodeRelays().send(relay(CrossNodeRelay.OFFER, originOfB, 1, 77, 2, "{offer 77}")));

        Delivery offer = atB.poll(5, TimeUnit.SECONDS);
        assertTrue(offer != null, "the offer reached b: " + ClusterNodeTest.metrics(b));
        assertEquals(0, offer.loop());
        assertEquals(42, offer.connection(), "the recipient's connection on b");
        assertEquals(CrossNodeRelay.OFFER, offer.kind());
        assertArrayEquals("{offer 77}".getBytes(StandardCharsets.UTF_8), offer.frame(), "the frame as a made it");

        awaitWsPeers(b, 2); // the offerer's announce reached b through the change stream
        RelayBlock answer = new RelayBlock(4);
        answer.setAnswer(peer0(1), 1, 1, 0x4F46_4645_5200_0000L, 76, 76);
        wsAnnounce(b, 2, 42, answer);
        assertFalse(answer.answerRelayed(), "b checks its pending offers: 76 was never offered");
        answer.clear();
        answer.setAnswer(peer0(1), 1, 1, 0x4F46_4645_5200_0000L, 77, 77);
        wsAnnounce(b, 2, 42, answer);
        assertTrue(answer.answerRelayed(), "b remembered the offer it routed");
        assertEquals(RelayBlock.REMOTE_LOOP, answer.recipientLoop(0));
        int originOfA = (int) answer.recipientConnection(0);
        assertTrue(b.cluster.crossNodeRelays().send(relay(CrossNodeRelay.ANSWER, originOfA, 2, 77, 1, "{answer}")));

        Delivery back = atA.poll(5, TimeUnit.SECONDS);
        assertTrue(back != null, "the answer came back to a: " + ClusterNodeTest.metrics(a));
        assertEquals(7, back.connection(), "the offerer's connection on a");
        assertEquals(CrossNodeRelay.ANSWER, back.kind());
        assertArrayEquals("{answer}".getBytes(StandardCharsets.UTF_8), back.frame());

        // a node that forwards an answer a never offered for (or a second one) is refused on a too
        assertTrue(b.cluster.crossNodeRelays().send(relay(CrossNodeRelay.ANSWER, originOfA, 2, 77, 1, "{again}")));
        assertTrue(b.cluster.crossNodeRelays().send(relay(CrossNodeRelay.ANSWER, originOfA, 2, 78, 1, "{forged}")));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (a.cluster.relays().inRefused.get() < 2) {
            assertTrue(System.nanoTime() - deadline < 0, "a refused both: " + ClusterNodeTest.metrics(a));
            TimeUnit.MILLISECONDS.sleep(10);
        }
        assertNull(atA.poll(), "nothing delivered for them");
        assertEquals(1, a.cluster.relays().inDelivered.get());
        assertEquals(1, b.cluster.relays().inDelivered.get());

        // b leaves: a drops b's WebTorrent peer with it
        b.close();
        b = null;
        awaitWsPeers(a, 1);
    }
}
