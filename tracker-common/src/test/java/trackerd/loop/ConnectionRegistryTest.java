package trackerd.loop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ConnectionRegistryTest {
    @Test
    void aTokenShouldNeverResolveAfterItsConnectionClosedEvenWhenTheSlotIsReused() {
        ConnectionRegistry<String> registry = new ConnectionRegistry<>(10);
        long a = registry.register("a");
        assertEquals("a", registry.get(a));
        assertTrue(registry.remove(a));
        long b = registry.register("b"); // takes a's slot
        assertEquals((int) a, (int) b, "slot reused");
        assertNotEquals(a, b, "with a new generation");
        assertNull(registry.get(a), "the closed connection's answer must not reach b");
        assertEquals("b", registry.get(b));
        assertFalse(registry.remove(a));
        assertEquals(1, registry.size());
    }

    @Test
    void registerShouldRefusePastCapacityAndNoTokenIsZero() {
        ConnectionRegistry<Integer> registry = new ConnectionRegistry<>(100);
        for (int i = 0; i < 100; i++) assertNotEquals(ConnectionRegistry.NONE, registry.register(i));
        assertEquals(ConnectionRegistry.NONE, registry.register(100));
        assertNull(registry.get(ConnectionRegistry.NONE));
        assertNull(registry.get(-1L));
        assertNull(registry.get(((long) 1 << 32) | 5000));
    }

    @Test
    void randomOpenAndCloseShouldMatchAMap() {
        Random random = new Random(3);
        ConnectionRegistry<Integer> registry = new ConnectionRegistry<>(300);
        Map<Long, Integer> open = new HashMap<>();
        List<Long> closed = new ArrayList<>();
        for (int step = 0; step < 20_000; step++) {
            if (random.nextBoolean() && !open.isEmpty()) {
                long token = open.keySet().iterator().next();
                assertTrue(registry.remove(token));
                open.remove(token);
                closed.add(token);
            } else {
                long token = registry.register(step);
                if (open.size() == 300) {
                    assertEquals(ConnectionRegistry.NONE, token);
                } else {
                    open.put(token, step);
                }
            }
        }
        open.forEach((token, value) -> assertEquals(value, registry.get(token)));
        for (long token : closed) assertNull(registry.get(token));
        assertEquals(open.size(), registry.size());
    }
}
