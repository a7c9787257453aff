package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import trackerd.config.ConfigLoader;
import trackerd.runtime.WorkerThreadFactory;

@Timeout(30)
class WorkerDeathTest {
    @Test
    void anUncaughtErrorInAWorkerThreadShouldReachTheHandlerWithTheThreadsName() throws Exception {
        CompletableFuture<String> died = new CompletableFuture<>();
        Thread thread = new WorkerThreadFactory("swarm", (t, e) -> died.complete(t.getName() + ": " + e.getMessage()))
            .newThread(() -> {
                throw new OutOfMemoryError("simulated");
            });
        thread.start();
        assertEquals("swarm-01: simulated", died.get(10, TimeUnit.SECONDS));
    }

    @Test
    void theFirstStopRequestShouldFixTheExitCode() {
        StopSignal stop = new StopSignal();
        stop.request(Main.EXIT_WORKER_DIED);
        stop.request(Main.EXIT_OK); // a SIGTERM while stopping does not turn a crash into success
        assertEquals(Main.EXIT_WORKER_DIED, stop.await());
    }

    @Test
    void aDeadSocketWorkerLoopShouldBeReportedAsAWorkerDeath() throws Exception {
        CompletableFuture<Throwable> died = new CompletableFuture<>();
        Daemon daemon = Daemon.start(ConfigLoader.load(null, List.of("udp.listen=[\"127.0.0.1:0\"]",
            "http.enabled=false", "ws.enabled=false", "metrics.enabled=false", "workers.socket_workers=1")),
            (t, e) -> died.complete(e));
        try {
            // an event loop ending without a shutdown request is what Netty does after an Error
            daemon.socketWorkers().iterator().next().shutdownGracefully(0, 0, TimeUnit.SECONDS);
            Throwable cause = died.get(10, TimeUnit.SECONDS);
            assertTrue(cause.getMessage().contains("socket worker event loop ended unexpectedly"), cause.toString());
        } finally {
            daemon.close();
        }
    }
}
