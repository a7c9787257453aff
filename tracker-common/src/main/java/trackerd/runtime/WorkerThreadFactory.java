package trackerd.runtime;

import io.netty.util.concurrent.FastThreadLocalThread;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Names threads by role and index ({@code udp-socket-01}, {@code swarm-03}) and sends any
 * uncaught exception to the process's fatal handler: a half-alive tracker is worse than one
 * that systemd restarts. Threads are Netty's {@link FastThreadLocalThread}, which Netty's
 * buffer pools run fastest on.
 */
public final class WorkerThreadFactory implements ThreadFactory {
    private final String role;
    private final Thread.UncaughtExceptionHandler onDeath;
    private final AtomicInteger next = new AtomicInteger(1);

    public WorkerThreadFactory(String role, Thread.UncaughtExceptionHandler onDeath) {
        this.role = role;
        this.onDeath = onDeath;
    }

    @Override
    public Thread newThread(Runnable task) {
        Thread thread = new FastThreadLocalThread(task, String.format("%s-%02d", role, next.getAndIncrement()));
        thread.setDaemon(true);
        thread.setUncaughtExceptionHandler(onDeath);
        return thread;
    }
}
