package trackerd.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Sequence numbers, resync marks and lost nodes, without Redis. */
class NodeDirectoryTest {
    final NodeDirectory directory = new NodeDirectory();

    @Test
    void aFirstMessageShouldBeToldAndNeitherItNorInOrderOnesMarkAResync() {
        assertEquals(NodeDirectory.Arrival.FIRST, directory.onMessage("a", 5, 0));
        assertEquals(List.of(), directory.takeResyncs(), "the caller begins a first contact's resync itself");
        assertEquals(NodeDirectory.Arrival.IN_ORDER, directory.onMessage("a", 6, 1));
        assertEquals(NodeDirectory.Arrival.IN_ORDER, directory.onMessage("a", 7, 2));
        assertEquals(List.of(), directory.takeResyncs());
    }

    @Test
    void aGapShouldMarkTheNodeAndARepeatShouldBeIgnored() {
        directory.onMessage("a", 1, 0);
        assertEquals(NodeDirectory.Arrival.GAP, directory.onMessage("a", 3, 1));
        assertEquals(NodeDirectory.Arrival.REPEAT, directory.onMessage("a", 3, 2));
        assertEquals(NodeDirectory.Arrival.REPEAT, directory.onMessage("a", 2, 2));
        assertEquals(List.of("a"), directory.takeResyncs());
        assertEquals(NodeDirectory.Arrival.IN_ORDER, directory.onMessage("a", 4, 3));
    }

    @Test
    void silentNodesShouldBeLostAndComeBackUnderANewOrigin() {
        directory.onMessage("a", 1, 100);
        int first = directory.origin();
        directory.onMessage("b", 1, 200);
        assertNotEquals(first, directory.origin());
        assertEquals(List.of(new NodeDirectory.Lost("a", first)), directory.removeSilentSince(150));
        assertEquals(1, directory.size());
        assertEquals(NodeDirectory.Arrival.FIRST, directory.onMessage("a", 2, 300));
        assertNotEquals(first, directory.origin(), "a late batch of the lost node cannot land on the new one");
    }

    @Test
    void sequenceOneOfAKnownNodeShouldSayItBeganAgainButNotARepeatOfItsFirstMessage() {
        directory.onMessage("a", 1, 0);
        assertEquals(false, directory.restarted("a", 1), "a repeat of the only message heard");
        directory.onMessage("a", 2, 1);
        assertEquals(true, directory.restarted("a", 1));
        assertEquals(false, directory.restarted("a", 2));
        assertEquals(false, directory.restarted("b", 1), "never heard: a first message, not a restart");
    }
}
