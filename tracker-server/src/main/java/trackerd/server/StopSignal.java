package trackerd.server;

import java.util.concurrent.CountDownLatch;

/** The first stop request wins and fixes the exit code; the main thread waits for it. */
final class StopSignal {
    private final CountDownLatch latch = new CountDownLatch(1);
    private volatile int exitCode = Main.EXIT_OK;

    synchronized void request(int code) {
        if (latch.getCount() > 0) {
            exitCode = code;
            latch.countDown();
        }
    }

    int await() {
        while (true) {
            try {
                latch.await();
                return exitCode;
            } catch (InterruptedException e) {
                // signals do not interrupt the main thread; keep waiting for a real stop request
            }
        }
    }
}
