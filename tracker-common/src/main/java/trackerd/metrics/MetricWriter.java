package trackerd.metrics;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The values one thread writes. Single writer: the owner reads its own value plainly and
 * publishes with an opaque store (a plain store on x86), so a scrape on another thread sees a
 * recent value without a lock or a fence on the hot path.
 */
public final class MetricWriter {
    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);
    /** Spread over whole cache lines so two writers never share one. */
    private static final int PAD = 8;
    private final long[] values;
    /**
     * Micrometer holds a function meter's state weakly: a writer in use keeps its bank, and so
     * the meters that read it, alive even when nothing else refers to the bank.
     */
    @SuppressWarnings("unused")
    private final MetricBank bank;

    MetricWriter(MetricBank bank, int size) {
        this.bank = bank;
        values = new long[size + 2 * PAD];
    }

    /** Only on the owning thread. */
    public void increment(int index) {
        int i = index + PAD;
        LONGS.setOpaque(values, i, values[i] + 1);
    }

    /** Only on the owning thread. */
    public void add(int index, long amount) {
        int i = index + PAD;
        LONGS.setOpaque(values, i, values[i] + amount);
    }

    /** Only on the owning thread: for gauges. */
    public void set(int index, long value) {
        LONGS.setOpaque(values, index + PAD, value);
    }

    /** Any thread. */
    public long get(int index) {
        return (long) LONGS.getOpaque(values, index + PAD);
    }
}
