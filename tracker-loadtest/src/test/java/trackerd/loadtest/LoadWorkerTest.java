package trackerd.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.DefaultEventLoop;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class LoadWorkerTest {
    @Test
    void onlyRequestsSentFromTheMeasureMarkAreCounted() throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            LoadWorker worker = new LoadWorker(0, loop, LoadTestConfig.load(null, List.of()), 100);
            long now = System.nanoTime();
            WorkerStats beforeRun = worker.statsFor(now);
            assertNotSame(worker.stats, beforeRun, "the connect phase counts apart");

            long measure = now + TimeUnit.SECONDS.toNanos(1);
            // no sessions: the worker finishes as soon as the schedule ends
            worker.run(now, measure, measure, 0).get(10, TimeUnit.SECONDS);

            assertSame(beforeRun, worker.statsFor(measure - 1), "warm-up goes where the connect phase went");
            assertSame(worker.stats, worker.statsFor(measure));
            assertSame(worker.stats, worker.statsFor(measure + TimeUnit.HOURS.toNanos(1)));
            assertTrue(worker.counts(measure) && !worker.counts(measure - 1));
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    @Test
    void aFixedRateShouldSendEachRequestAtItsIntendedTimeNotOneIntervalLater() throws Exception {
        DefaultEventLoop loop = new DefaultEventLoop();
        try {
            // 20 a second: a request every 50 ms, 6 of them in 300 ms
            LoadWorker worker = new LoadWorker(0, loop, LoadTestConfig.load(null, List.of("run.rate=20")), 1000);
            List<long[]> sends = new ArrayList<>();
            worker.add(new LoadSession() {
                @Override public void start(long now) {}
                @Override public void retry(long now, long timeoutNanos) {}
                @Override public boolean connected() { return true; }
                @Override public boolean canSend() { return true; }
                @Override public void send(long intendedNanos, long now) { sends.add(new long[] {intendedNanos, now}); }
                @Override public void flush() {}
                @Override public void expire(long now, long timeoutNanos) {}
                @Override public boolean idle() { return true; }
            });
            long start = System.nanoTime();
            long end = start + TimeUnit.MILLISECONDS.toNanos(300);
            worker.run(start, start, end, 0).get(10, TimeUnit.SECONDS);

            assertEquals(6, sends.size(), "requests intended at 0, 50, ..., 250 ms");
            for (int i = 0; i < sends.size(); i++) {
                long intended = sends.get(i)[0];
                long late = sends.get(i)[1] - intended;
                assertEquals(start + i * TimeUnit.MILLISECONDS.toNanos(50), intended, "request " + i);
                // the pacer spins on the loop: a request goes within a few ms of its time, well under the 50 ms interval
                assertTrue(late >= 0 && late < TimeUnit.MILLISECONDS.toNanos(25),
                    "request " + i + " sent " + late / 1000 + " us after its intended time");
            }
        } finally {
            loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
