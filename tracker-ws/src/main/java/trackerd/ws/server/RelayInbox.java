package trackerd.ws.server;

import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jctools.queues.MessagePassingQueue;
import org.jctools.queues.MpscArrayQueue;

/**
 * The relayed messages waiting for one event loop: a bounded MPSC queue that the other loops
 * offer to (a full inbox drops: offers are best effort, the client sends fresh ones on its next
 * announce) and that the owning loop drains when woken. The wake-up is one task per batch at
 * most: {@code scheduled} is cleared before the drain reads, so a message offered after that
 * schedules another drain and none is stranded.
 */
final class RelayInbox {
    static final int CAPACITY = 4096;
    private final MpscArrayQueue<RelayMessage> queue = new MpscArrayQueue<>(CAPACITY);
    private final AtomicBoolean scheduled = new AtomicBoolean();
    private final Executor loop;
    private final Runnable drainTask;

    /** @param consumer runs on {@code loop} for each message, then {@code afterDrain} once */
    RelayInbox(Executor loop, MessagePassingQueue.Consumer<RelayMessage> consumer, Runnable afterDrain) {
        this.loop = loop;
        this.drainTask = () -> {
            scheduled.set(false);
            queue.drain(consumer, CAPACITY);
            afterDrain.run();
        };
    }

    /** Any loop but the owner: false when full (the caller keeps the message). */
    boolean offer(RelayMessage m) {
        return queue.offer(m);
    }

    /** Any loop, after a batch of offers: have the owner drain. */
    void wake() {
        if (!scheduled.get() && scheduled.compareAndSet(false, true)) loop.execute(drainTask);
    }
}
