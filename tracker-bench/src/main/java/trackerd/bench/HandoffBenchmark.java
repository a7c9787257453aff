package trackerd.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import trackerd.handoff.ResponseHandler;
import trackerd.handoff.SwarmGateway;
import trackerd.metrics.MetricBank;
import trackerd.runtime.WorkerThreadFactory;
import trackerd.handoff.GatewaySizing;
import trackerd.runtime.TrackerClock;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.SwarmRequest;

/**
 * The hand-off round trip per request in batches of 64, as a socket worker does it after one
 * read batch: on a Netty event loop, acquire 64 slots, queue them to one swarm worker, wake it
 * once; the worker answers (a tiny swarm, so the swarm work is small) and wakes the event loop
 * once; the loop drains and releases. Time per request = batch time / 64, including both
 * cross-thread wake-ups.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class HandoffBenchmark {
    static final int BATCH = 64;

    private SwarmEngine engine;
    private EventLoop loop;
    private SwarmGateway gateway;
    private final AtomicInteger answered = new AtomicInteger();
    private Runnable submitBatch;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        engine = new SwarmEngine(AnnounceBenchmark.settings(), 1, 4096, new MetricBank(new SimpleMeterRegistry()),
            TrackerClock.start(), new WorkerThreadFactory("swarm", (t, e) -> e.printStackTrace()));
        engine.start();
        loop = new DefaultEventLoop();
        gateway = new SwarmGateway(engine, null, loop, new GatewaySizing(4096, 64, 50, 64));
        ResponseHandler handler = new ResponseHandler() {
            int inBatch;

            @Override
            public void onResponse(SwarmRequest answered) {
                gateway.release(answered);
                inBatch++;
            }

            @Override
            public void onBatchEnd() {
                answered.addAndGet(inBatch);
                inBatch = 0;
            }
        };
        submitBatch = () -> {
            for (int i = 0; i < BATCH; i++) {
                SwarmRequest request = gateway.acquire();
                request.infoHash0 = i & 7;
                request.address0 = 0x0A000000L + i;
                request.port = 6881;
                request.numwant = 0;
                gateway.submitAnnounce(request, handler);
            }
            gateway.flush();
        };
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int batchOf64() {
        int target = answered.get() + BATCH;
        loop.execute(submitBatch);
        while (answered.get() < target) {
            Thread.onSpinWait();
        }
        return target;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        engine.close();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
