package trackerd.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two nodes' shards joined by their change streams (what each publishes is applied on the other,
 * ticks taken as they are: both clocks in step), driven with explicit ticks: after the streams
 * settle, both must hold the same peers with the same seeder state and counts. About the
 * same-tick rule: a re-announce in the tick of the peer's previous one that changes nothing is
 * not published (SwarmShard.announce).
 */
@Timeout(30)
class TwoNodeSameTickTest {
    private static final int NODE_A = 1; // each node's index for the other
    private static final int NODE_B = 2;
    private static final int T = 50;

    private final SwarmShard a = new SwarmShard(SwarmShardTest.settings(1000, 1000), 1);
    private final SwarmShard b = new SwarmShard(SwarmShardTest.settings(1000, 1000), 1);
    private final SwarmShardTest helper = new SwarmShardTest();

    TwoNodeSameTickTest() {
        a.swapChanges(new ChangeBuffer(1024));
        b.swapChanges(new ChangeBuffer(1024));
    }

    private void announce(SwarmShard node, int host, int event, boolean seeder, int tick) {
        helper.announce(node, 7, false, host, 6881, event, seeder, 0, tick);
    }

    /** Delivers what each node published since the last call to the other (A's first). */
    private void deliver() {
        ChangeBuffer fromA = a.swapChanges(new ChangeBuffer(1024));
        ChangeBuffer fromB = b.swapChanges(new ChangeBuffer(1024));
        b.applyRemote(fromA, NODE_A);
        a.applyRemote(fromB, NODE_B);
    }

    private static String state(SwarmShard s, int tick) {
        TreeSet<String> peers = new TreeSet<>();
        StringBuilder counts = new StringBuilder();
        s.forEachTorrent((h0, h1, h2, seeders, completed, leechers) -> {
            counts.append(h2).append(':').append(seeders).append('/').append(completed).append('/').append(leechers);
            return true;
        });
        s.exportSlice(0, 1 << 20, tick, new SwarmSnapshotSink() {
            @Override
            public void torrent(long h0, long h1, int h2, int completed, int emptyForSeconds, int ipv4Peers,
                                int ipv6Peers) {
            }

            @Override
            public void ipv4Peer(int address, int port, boolean seeder, int ageSeconds) {
                peers.add((address & 0xFF) + (seeder ? " seeder " : " leecher ") + ageSeconds);
            }

            @Override
            public void ipv6Peer(long address0, long address1, int port, boolean seeder, int ageSeconds) {
                peers.add(address1 + (seeder ? " seeder " : " leecher ") + ageSeconds);
            }
        });
        return counts + " " + peers;
    }

    /**
     * A client pauses and resumes within a tick, its stop landing on B (round-robin DNS): A
     * ignores the stop (its own announce is as new), and the resumed announce to A, whose record
     * is unchanged, must still reach B, which has removed the peer. Before: A kept the peer, B
     * had none, until the client's next announce (half an hour later).
     */
    @Test
    void aSameTickReAnnounceAfterAStopOnTheOtherNodeShouldStillBePublished() {
        announce(a, 1, SwarmShardTest.EVENT_STARTED, false, T);
        deliver();
        announce(b, 1, SwarmShardTest.EVENT_STOPPED, false, T);
        deliver();
        announce(a, 1, SwarmShardTest.EVENT_STARTED, false, T);
        deliver();
        assertEquals("7:0/0/1 [1 leecher 0]", state(a, T));
        assertEquals(state(a, T), state(b, T));
    }

    /** A client announcing to every tier reaches udp:// and http:// URLs at once: both to A, or one to each. */
    @Test
    void aClientAnnouncingTwiceInATickShouldBeSeenOnceOnBothNodes() {
        announce(a, 1, SwarmShardTest.EVENT_STARTED, false, T); // udp
        announce(a, 1, SwarmShardTest.EVENT_STARTED, false, T); // http: nothing to publish
        announce(a, 2, SwarmShardTest.EVENT_STARTED, false, T); // udp to A
        deliver();
        announce(b, 2, SwarmShardTest.EVENT_STARTED, false, T); // http to B, after A's change arrived
        announce(a, 3, SwarmShardTest.EVENT_STARTED, true, T); // udp to A
        announce(b, 3, SwarmShardTest.EVENT_STARTED, true, T); // http to B, before A's change arrived
        deliver();
        deliver();
        assertEquals("7:1/0/2 [1 leecher 0, 2 leecher 0, 3 seeder 0]", state(a, T));
        assertEquals(state(a, T), state(b, T));
        // completed to both URLs: one download, counted once on each node
        announce(a, 1, SwarmShardTest.EVENT_COMPLETED, false, T + 1);
        announce(a, 1, SwarmShardTest.EVENT_COMPLETED, false, T + 1);
        deliver();
        announce(a, 2, SwarmShardTest.EVENT_COMPLETED, false, T + 1);
        announce(b, 2, SwarmShardTest.EVENT_COMPLETED, false, T + 1);
        deliver();
        deliver();
        assertEquals("7:3/2/0 [1 seeder 0, 2 seeder 0, 3 seeder 4]", state(a, T + 1));
        assertEquals(state(a, T + 1), state(b, T + 1));
    }

    /**
     * Started on A, completed on B in the same tick (round-robin DNS), the two changes crossing in
     * either order: both nodes end with a seeder and one download. Before, A ignored B's change
     * (its own announce was as new) and kept a leecher and no download, for good.
     */
    @Test
    void aCompletionOnTheOtherNodeInTheSameTickShouldCountOnBoth() {
        announce(a, 1, SwarmShardTest.EVENT_STARTED, false, T);
        deliver();
        announce(b, 1, SwarmShardTest.EVENT_COMPLETED, false, T);
        deliver();
        assertEquals("7:1/1/0 [1 seeder 0]", state(a, T));
        assertEquals(state(a, T), state(b, T));

        announce(a, 2, SwarmShardTest.EVENT_STARTED, false, T); // crosses B's completion
        announce(b, 2, SwarmShardTest.EVENT_COMPLETED, false, T);
        deliver();
        deliver();
        assertEquals("7:2/2/0 [1 seeder 0, 2 seeder 0]", state(a, T));
        assertEquals(state(a, T), state(b, T));
    }

    /** Seeder flips and stops straddling a tick boundary, alternating nodes. */
    @Test
    void announcesStraddlingATickShouldSettleAlike() {
        announce(a, 1, SwarmShardTest.EVENT_STARTED, false, T);
        deliver();
        announce(b, 1, SwarmShardTest.EVENT_NONE, true, T + 1); // a seeder now, on B, next tick
        announce(a, 1, SwarmShardTest.EVENT_NONE, true, T + 1); // the same on A, same tick: a flip there too
        deliver();
        announce(a, 1, SwarmShardTest.EVENT_NONE, true, T + 1); // unchanged: not published
        deliver();
        announce(b, 4, SwarmShardTest.EVENT_STARTED, false, T + 1);
        deliver();
        announce(b, 4, SwarmShardTest.EVENT_STOPPED, false, T + 2);
        announce(a, 4, SwarmShardTest.EVENT_STARTED, false, T + 2); // before B's stop arrived: both same tick
        deliver();
        assertEquals(state(a, T + 2), state(b, T + 2));
    }

    /**
     * The last peer of a torrent with downloads stops: the node it stopped on keeps the torrent
     * for its completed count (SwarmShard.keepIfCompleted), and so must the other, else a peer
     * that joins later restarts the count from 0 there while it goes on from 1 here.
     */
    @Test
    void aRemoteStopShouldKeepTheTorrentsDownloadsAsALocalStopDoes() {
        announce(a, 1, SwarmShardTest.EVENT_STARTED, false, T);
        announce(a, 1, SwarmShardTest.EVENT_COMPLETED, false, T + 1);
        deliver();
        announce(a, 1, SwarmShardTest.EVENT_STOPPED, true, T + 2);
        deliver();
        announce(b, 2, SwarmShardTest.EVENT_STARTED, false, T + 3); // a new leecher, on B
        deliver();
        assertEquals("7:0/1/1 [2 leecher 0]", state(b, T + 3));
        assertEquals(state(b, T + 3), state(a, T + 3));
    }
}
