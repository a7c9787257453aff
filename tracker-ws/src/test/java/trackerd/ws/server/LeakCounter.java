package trackerd.ws.server;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the leaks Netty's detector reports (paranoid in tests: every buffer tracked), so a test
 * can fail on a leak instead of leaving a log line. {@link #install} must run before Netty's
 * buffer classes load (a static initializer of the test class), as their detectors are made once.
 */
final class LeakCounter {
    static final AtomicInteger LEAKS = new AtomicInteger();
    private static boolean installed;

    private LeakCounter() {}

    static synchronized boolean install() {
        if (installed) return true;
        installed = true;
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            @SuppressWarnings("deprecation")
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                                                                      long maxActive) {
                return new ResourceLeakDetector<>(resource, samplingInterval) {
                    @Override
                    protected void reportTracedLeak(String resourceType, String records) {
                        LEAKS.incrementAndGet();
                        super.reportTracedLeak(resourceType, records);
                    }

                    @Override
                    protected void reportUntracedLeak(String resourceType) {
                        LEAKS.incrementAndGet();
                        super.reportUntracedLeak(resourceType);
                    }
                };
            }
        });
        return true;
    }

    /** Collects garbage and allocates, so that leaked buffers are found and reported now. */
    static int leaksAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
            // reports happen when a tracked buffer is allocated after the leaked one was collected
            io.netty.buffer.ByteBuf probe = io.netty.buffer.PooledByteBufAllocator.DEFAULT.buffer(8);
            probe.release();
        }
        return LEAKS.get();
    }
}
