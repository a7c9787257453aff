package trackerd.swarm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class NewTorrentBudgetTest {
    static final long HOST = (10L << 24) + 1;

    static int takeAll(NewTorrentBudget budget, boolean ipv6, long address, int tick, int tries) {
        int taken = 0;
        for (int i = 0; i < tries; i++) if (budget.tryTake(ipv6, address, tick)) taken++;
        return taken;
    }

    @Test
    void shouldGrantTheBurstThenTheRefillRate() {
        NewTorrentBudget budget = new NewTorrentBudget(1000, 10, 1);
        assertEquals(100, takeAll(budget, false, HOST, 0, 100), "a client adding 100 torrents at once passes");
        assertEquals(900, takeAll(budget, false, HOST, 0, 5000));
        assertEquals(4100, budget.refused());
        // one tick is 4 seconds: 40 more
        assertEquals(40, takeAll(budget, false, HOST, 1, 1000));
        // refill stops at the burst
        assertEquals(1000, takeAll(budget, false, HOST, 1 + 1000, 5000));
    }

    @Test
    void addressesShouldHaveBudgetsOfTheirOwnAndIpv6GoesBySlash64() {
        NewTorrentBudget budget = new NewTorrentBudget(10, 1, 2);
        assertEquals(10, takeAll(budget, false, HOST, 0, 20));
        assertEquals(10, takeAll(budget, false, HOST + 1, 0, 20));
        long prefix = 0x2001_0db8_0000_0001L;
        assertEquals(10, takeAll(budget, true, prefix, 0, 20), "the whole /64 shares one budget");
        assertFalse(budget.tryTake(true, prefix, 0));
        assertTrue(budget.tryTake(true, prefix + 1, 0), "another /64");
        assertTrue(budget.tryTake(true, HOST, 0), "an IPv6 prefix equal to an IPv4 address is another key");
    }

    @Test
    void aSpentBudgetShouldNotBeForgottenWhenManyOtherHostsPassBy() {
        NewTorrentBudget budget = new NewTorrentBudget(10, 1, 3);
        assertEquals(10, takeAll(budget, false, HOST, 0, 10));
        // 100,000 other hosts each create one torrent: their buckets stay nearly full, so the
        // flooder's empty one is never the entry they evict
        for (int i = 0; i < 100_000; i++) budget.tryTake(false, (11L << 24) + i, 0);
        assertFalse(budget.tryTake(false, HOST, 0));
    }

    @Test
    void zeroBurstShouldMeanNoBudget() {
        NewTorrentBudget budget = new NewTorrentBudget(0, 1, 4);
        assertEquals(100_000, takeAll(budget, false, HOST, 0, 100_000));
        assertEquals(0, budget.refused());
    }
}
