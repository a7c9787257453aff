package trackerd.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Counters and gauges that many threads write without locks. Each writing thread gets its own
 * {@link MetricWriter} (a {@code long[]} of room for {@link #CAPACITY} metrics); Micrometer sums
 * the writers' values at scrape time. Metrics may be defined at any time, up to the capacity.
 */
public final class MetricBank {
    private final MeterRegistry registry;
    /** Metrics one bank holds: far more than the tracker defines, and 4 KiB per writer. */
    public static final int CAPACITY = 512;
    private final CopyOnWriteArrayList<MetricWriter> writers = new CopyOnWriteArrayList<>();
    private int size;

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
        if (size == CAPACITY) throw new IllegalStateException("more than " + CAPACITY + " metrics defined");
        return size++;
    }

    /** A writer for one thread: only that thread may write to it. */
    public MetricWriter newWriter() {
        MetricWriter writer = new MetricWriter(this, CAPACITY);
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
