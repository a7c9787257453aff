package trackerd.stats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RequestRatesTest {
    private final RequestRates rates = new RequestRates();

    @Test
    void shouldShowNothingBeforeTwoSamples() {
        rates.sample(Map.of("udp", 500L));
        StatsSnapshot.ProtocolRate udp = rates.rates().get(0);
        assertEquals(0.0, udp.lastMinute());
        assertEquals(0, udp.lastSecond());
        assertEquals(0, udp.perSecond().length);
    }

    /** Front ends register their counters after the stats start; traffic may come before the first tick. */
    @Test
    void shouldCountWhatAProtocolSeenForTheFirstTimeCountedAsItsLastSecond() {
        rates.sample(Map.of());
        rates.sample(Map.of("udp", 20L));
        StatsSnapshot.ProtocolRate udp = rates.rates().get(0);
        assertEquals(20.0, udp.lastMinute());
        assertEquals(20, udp.lastSecond());
    }

    @Test
    void shouldAverageOverTheSecondsSampledUntilAMinuteThenOverTheLastMinute() {
        long total = 0;
        rates.sample(Map.of("udp", total));
        for (int second = 1; second <= 3; second++) rates.sample(Map.of("udp", total += 10));
        StatsSnapshot.ProtocolRate udp = rates.rates().get(0);
        assertEquals(10.0, udp.lastMinute());
        assertArrayEquals(new long[] {10, 10, 10}, udp.perSecond());
        for (int second = 4; second <= 100; second++) rates.sample(Map.of("udp", total += second <= 70 ? 10 : 1));
        udp = rates.rates().get(0);
        // the last 60 seconds: 30 at 1 a second (71-100), and 30 at 10 (41-70)
        assertEquals(5.5, udp.lastMinute());
        assertEquals(1, udp.lastSecond());
        assertEquals(60, udp.perSecond().length);
        assertEquals(10, udp.perSecond()[29]);
        assertEquals(1, udp.perSecond()[30]);
    }

    @Test
    void shouldStartAProtocolSeenLateAtZeroAndRoundToTwoDecimals() {
        rates.sample(Map.of("udp", 0L));
        rates.sample(Map.of("udp", 1L));
        rates.sample(Map.of("udp", 1L, "ws", 0L)); // ws registered in the last second
        rates.sample(Map.of("udp", 2L, "ws", 1L));
        List<StatsSnapshot.ProtocolRate> all = rates.rates();
        assertEquals("udp", all.get(0).protocol());
        assertEquals(0.67, all.get(0).lastMinute()); // 2 in 3 s
        assertEquals("ws", all.get(1).protocol());
        assertEquals(0.33, all.get(1).lastMinute()); // 1 in 3 s
        assertArrayEquals(new long[] {0, 0, 1}, all.get(1).perSecond());
    }
}
