package trackerd.loadtest;

import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.DefaultEventLoop;
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
}
