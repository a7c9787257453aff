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
    void shouldRefuseDefinitionsAfterTheFirstWriter() {
        MetricBank bank = new MetricBank(new SimpleMeterRegistry());
        bank.counter("a", "a");
        bank.newWriter();
        assertThrows(IllegalStateException.class, () -> bank.counter("b", "b"));
    }
}
