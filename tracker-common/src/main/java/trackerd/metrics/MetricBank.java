package trackerd.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A fixed set of counters and gauges that many threads write without locks. Each writing thread
 * gets its own {@link MetricWriter} (a {@code long[]}); Micrometer sums the writers' values at
 * scrape time. Define every metric first, then hand out writers.
 */
public final class MetricBank {
    private final MeterRegistry registry;
    private final List<CopyOnWriteArrayList<MetricWriter>> unused = new ArrayList<>();
    private final CopyOnWriteArrayList<MetricWriter> writers = new CopyOnWriteArrayList<>();
    private int size;
    private boolean frozen;

    public MetricBank(MeterRegistry registry) {
        this.registry = registry;
    }

    /** Defines a monotonic counter; returns its index for {@link MetricWriter#increment}. */
    public synchronized int counter(String name, String description, String... tags) {
        int index = next();
        FunctionCounter.builder(name, this, bank -> bank.sum(index))
            .description(description).tags(Tags.of(tags)).register(registry);
        return index;
    }

    /** Defines a gauge whose value is the sum of what each writer last {@link MetricWriter#set}. */
    public synchronized int gauge(String name, String description, String... tags) {
        int index = next();
        Gauge.builder(name, this, bank -> bank.sum(index))
            .description(description).tags(Tags.of(tags)).register(registry);
        return index;
    }

    private int next() {
        if (frozen) throw new IllegalStateException("define every metric before the first writer");
        return size++;
    }

    /** A writer for one thread: only that thread may write to it. */
    public synchronized MetricWriter newWriter() {
        frozen = true;
        MetricWriter writer = new MetricWriter(size);
        writers.add(writer);
        return writer;
    }

    /** Sum over every writer; called at scrape time and by tests. */
    public double sum(int index) {
        long total = 0;
        for (MetricWriter writer : writers) {
            total += writer.get(index);
        }
        return total;
    }

    public MeterRegistry registry() {
        return registry;
    }
}
