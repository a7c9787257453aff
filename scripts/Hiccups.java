/**
 * How steady this machine is: one thread spins on the clock for N seconds and reports the gaps
 * in which it did not run (scheduler or hypervisor). Run it pinned to the core a benchmark uses:
 *   taskset -c 0 java scripts/Hiccups.java 10
 * A tail latency measured on the machine cannot be steadier than this.
 */
public class Hiccups {
    public static void main(String[] args) {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 10;
        long end = System.nanoTime() + seconds * 1_000_000_000L;
        long last = System.nanoTime();
        long lost = 0;
        long max = 0;
        int over100us = 0;
        int over1ms = 0;
        while (last < end) {
            long now = System.nanoTime();
            long gap = now - last;
            last = now;
            if (gap > 100_000) {
                over100us++;
                lost += gap;
            }
            if (gap > 1_000_000) over1ms++;
            max = Math.max(max, gap);
        }
        System.out.printf("%d s: gaps over 0.1 ms %d (%.1f ms lost), over 1 ms %d, longest %.2f ms%n",
            seconds, over100us, lost / 1e6, over1ms, max / 1e6);
    }
}
