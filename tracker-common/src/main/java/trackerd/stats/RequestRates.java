package trackerd.stats;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Requests per second by protocol over the last minute, from cumulative request totals sampled
 * once a second by the stats timer (never computed per page view): a ring of the last
 * {@value #WINDOW_SECONDS} + 1 totals per protocol, so a rate is the difference of two totals
 * divided by the seconds between them. A protocol first seen later (its front end registered its
 * counters after the last sample, so at most a second ago, starting from 0) starts its ring at 0:
 * what it counted since then is traffic of the last second.
 *
 * <p>Only on the stats thread.
 */
final class RequestRates {
    static final int WINDOW_SECONDS = 60;
    private static final int SLOTS = WINDOW_SECONDS + 1;

    private final Map<String, long[]> totals = new TreeMap<>();
    /** Samples taken so far; the newest is at {@code (samples - 1) % SLOTS}. */
    private long samples;

    /** Records one second's totals (requests since start, by protocol). */
    void sample(Map<String, Long> totalsByProtocol) {
        int slot = (int) (samples % SLOTS);
        for (Map.Entry<String, Long> e : totalsByProtocol.entrySet()) {
            long[] ring = totals.computeIfAbsent(e.getKey(), p -> new long[SLOTS]);
            ring[slot] = e.getValue();
        }
        for (Map.Entry<String, long[]> e : totals.entrySet()) { // a protocol that went away holds still
            if (!totalsByProtocol.containsKey(e.getKey())) {
                long[] ring = e.getValue();
                ring[slot] = ring[(int) ((samples + SLOTS - 1) % SLOTS)];
            }
        }
        samples++;
    }

    /** The rates now, protocols by name. */
    List<StatsSnapshot.ProtocolRate> rates() {
        List<StatsSnapshot.ProtocolRate> out = new ArrayList<>(totals.size());
        int seconds = (int) Math.min(WINDOW_SECONDS, Math.max(0, samples - 1));
        for (Map.Entry<String, long[]> e : totals.entrySet()) {
            long[] ring = e.getValue();
            long[] perSecond = new long[seconds];
            for (int i = 0; i < seconds; i++) {
                long newer = samples - seconds + i; // sample index ending second i
                perSecond[i] = at(ring, newer) - at(ring, newer - 1);
            }
            long window = seconds == 0 ? 0 : at(ring, samples - 1) - at(ring, samples - 1 - seconds);
            double lastMinute = seconds == 0 ? 0 : Math.round(window * 100.0 / seconds) / 100.0;
            long lastSecond = seconds == 0 ? 0 : perSecond[seconds - 1];
            out.add(new StatsSnapshot.ProtocolRate(e.getKey(), lastMinute, lastSecond, perSecond));
        }
        return out;
    }

    private static long at(long[] ring, long sample) {
        return ring[(int) (sample % SLOTS)];
    }
}
