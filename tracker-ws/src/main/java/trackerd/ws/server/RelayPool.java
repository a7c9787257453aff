package trackerd.ws.server;

import org.jctools.queues.MpscArrayQueue;

/**
 * One event loop's relay messages: at most {@link #MAX_MESSAGES} in flight, made on demand.
 * {@link #take} only on the owning loop; {@link #giveBack} from whichever loop received the
 * message (many producers, one consumer: a JCTools MPSC queue, no lock). An empty pool means too
 * many relays in flight: the relay is dropped and counted, like a full inbox.
 */
final class RelayPool {
    static final int MAX_MESSAGES = 256;
    private final MpscArrayQueue<RelayMessage> free = new MpscArrayQueue<>(MAX_MESSAGES);
    private int made;

    /** A free message, or null when all {@link #MAX_MESSAGES} are in flight. Owning loop only. */
    RelayMessage take() {
        RelayMessage m = free.relaxedPoll();
        if (m != null) return m;
        if (made == MAX_MESSAGES) return null;
        made++;
        return new RelayMessage(this);
    }

    /** Any loop, once done with the message: it is the origin's again. */
    void giveBack(RelayMessage m) {
        free.offer(m); // never full: it holds every message this pool made
    }
}
