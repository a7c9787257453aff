package trackerd.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import trackerd.metrics.MetricBank;
import trackerd.runtime.TrackerClock;

/**
 * The duty cycle's order: the shard's own clients come before queued commands (another node's
 * changes, snapshot and resync slices), so a heavy cluster stream cannot hold them.
 */
class SwarmWorkerTest {
    final MetricBank bank = new MetricBank(new SimpleMeterRegistry());
    final SwarmWorker worker = new SwarmWorker(new SwarmShard(SwarmShardTest.settings(1000, 1000), 1), 0, 64,
        new SwarmMetrics(new SwarmMetrics.Definitions(bank), bank.newWriter()), TrackerClock.start(), 60);
    final List<String> done = new ArrayList<>();
    final ReturnPort port = new ReturnPort() {
        @Override
        public void deliver(SwarmRequest answered) {
            done.add("request " + answered.index());
        }

        @Override
        public void wake() {}
    };

    SwarmRequest announce(int index) {
        SwarmRequest r = new SwarmRequest(port, index, 50);
        r.kind = RequestKind.ANNOUNCE;
        r.status = RequestStatus.OK;
        r.infoHash0 = 0x1111_0000_0000_0000L + index;
        r.address0 = (10L << 24) + index;
        r.port = 6881;
        r.event = AnnounceEvent.STARTED;
        return r;
    }

    void command(int i) {
        assertTrue(worker.offerCommand(shard -> done.add("command " + i)));
    }

    @Test
    void whileRequestsWaitACycleShouldRunOneCommandThenTheRequests() {
        for (int i = 0; i < 5; i++) command(i);
        assertTrue(worker.offer(announce(1)));
        assertTrue(worker.offer(announce(2)));
        worker.doWork();
        assertEquals(List.of("command 0", "request 1", "request 2"), done);
        worker.doWork(); // no request waits: the rest of the commands at once
        assertEquals(List.of("command 0", "request 1", "request 2", "command 1", "command 2", "command 3", "command 4"),
            done);
    }

    @Test
    void aRequestArrivingWhileCommandsRunShouldStopTheRunAfterTheCurrentCommand() {
        assertTrue(worker.offerCommand(shard -> {
            done.add("command 0");
            assertTrue(worker.offer(announce(1))); // a client's request arrives meanwhile
        }));
        for (int i = 1; i < 5; i++) command(i);
        worker.doWork();
        assertEquals(List.of("command 0", "request 1"), done);
    }

    @Test
    void anInlineCycleShouldStopItsCommandsAfterItsTimeBudget() {
        // the inline engine's loop has no request queue to cut a run short: time does
        for (int i = 0; i < 10; i++) {
            int n = i;
            assertTrue(worker.offerCommand(shard -> {
                long until = System.nanoTime() + 1_000_000; // a 1 ms slice of another node's changes
                while (System.nanoTime() < until) Thread.onSpinWait();
                done.add("command " + n);
            }));
        }
        worker.doWork(SwarmWorker.INLINE_COMMAND_NANOS);
        assertTrue(done.size() >= 1 && done.size() <= 3, "about 2 ms of commands, ran " + done);
        assertTrue(worker.commandsWaiting());
        for (int cycles = 0; cycles < 20 && worker.commandsWaiting(); cycles++) worker.doWork(SwarmWorker.INLINE_COMMAND_NANOS);
        assertEquals(10, done.size());
        assertEquals("command 9", done.get(9));
    }
}
