package trackerd.handoff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GatewaySizingTest {
    static final long GIB = 1L << 30;

    @Test
    void fewLoopsShouldGetTheConfiguredCapacity() {
        GatewaySizing sizing = GatewaySizing.forLoops(4096, 2, GIB, 50, 64);
        assertEquals(4096, sizing.requests());
        assertEquals(256, sizing.scrapeBlocks());
    }

    @Test
    void allLoopsTogetherShouldStayWithinTheirShareOfTheHeap() {
        for (int loops : new int[] {1, 8, 16, 64, 256}) {
            for (long heap : new long[] {256L << 20, GIB, 8 * GIB}) {
                GatewaySizing sizing = GatewaySizing.forLoops(4096, loops, heap, 50, 64);
                long total = sizing.loopBytes() * loops;
                boolean atFloor = sizing.requests() == GatewaySizing.MIN_REQUESTS;
                assertTrue(atFloor || total <= heap / 100 * GatewaySizing.HEAP_SHARE_PERCENT,
                    loops + " loops, heap " + heap + ": " + total + " bytes");
            }
        }
        // a 1 GiB heap and a 64-core host: 543 requests each, about 41 MB in all
        assertEquals(543, GatewaySizing.forLoops(4096, 64, GIB, 50, 64).requests());
    }

    @Test
    void aTinyHeapShouldStillGetTheFloor() {
        GatewaySizing sizing = GatewaySizing.forLoops(4096, 256, 64L << 20, 50, 64);
        assertEquals(GatewaySizing.MIN_REQUESTS, sizing.requests());
        assertEquals(GatewaySizing.MIN_SCRAPE_BLOCKS, sizing.scrapeBlocks());
    }
}
