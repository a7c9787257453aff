package trackerd.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class MetricBankTest {
    @Test
    void shouldSumEveryWritersCountAtReadTime() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MetricBank bank = new MetricBank(registry);
        int requests = bank.counter("tracker_requests", "requests", "type", "announce");
        int peers = bank.gauge("tracker_peers", "peers");
        Thread[] threads = new Thread[4];
        for (int t = 0; t < threads.length; t++) {
            MetricWriter writer = bank.newWriter();
            threads[t] = new Thread(() -> {
                for (int i = 0; i < 100_000; i++) writer.increment(requests);
                writer.set(peers, 5);
            });
            threads[t].start();
        }
        for (Thread thread : threads) thread.join();
        assertEquals(400_000.0, registry.get("tracker_requests").tag("type", "announce").functionCounter().count());
        assertEquals(20.0, registry.get("tracker_peers").gauge().value());
    }

    @Test
    void metricsDefinedAfterAWriterExistsShouldWorkForIt() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MetricBank bank = new MetricBank(registry);
        MetricWriter writer = bank.newWriter();
        int late = bank.counter("late", "defined after the writer");
        writer.add(late, 3);
        assertEquals(3.0, registry.get("late").functionCounter().count());
    }

    @Test
    void shouldRefuseMoreThanItsCapacity() {
        MetricBank bank = new MetricBank(new SimpleMeterRegistry());
        for (int i = 0; i < MetricBank.CAPACITY; i++) bank.gauge("g" + i, "g");
        assertThrows(IllegalStateException.class, () -> bank.counter("one-too-many", "x"));
    }
}
