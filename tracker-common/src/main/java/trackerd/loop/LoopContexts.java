package trackerd.loop;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import trackerd.handoff.GatewaySizing;
import trackerd.handoff.SwarmGateway;
import trackerd.metrics.MetricBank;
import trackerd.runtime.TrackerClock;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.SwarmInvoker;

/**
 * One {@link LoopContext} per socket worker, made at start before any front end opens a socket.
 * With an inline engine it hands the engine's invoker to the one loop (a second loop is refused)
 * and schedules the swarm worker's duty cycle there every {@link #INLINE_CYCLE_MILLIS} ms.
 * Immutable after construction: lookups from any thread are safe.
 */
public final class LoopContexts {
    static final long INLINE_CYCLE_MILLIS = 10;

    private final Map<EventExecutor, LoopContext> contexts = new IdentityHashMap<>();

    /**
     * @param maxConnections open connections one loop may hold (its share of the configured limit)
     * @throws IllegalStateException when the engine is inline and the group has more than one loop
     */
    public LoopContexts(EventLoopGroup group, SwarmEngine engine, MetricBank bank, TrackerClock clock,
                        GatewaySizing sizing, int maxConnections) {
        for (EventExecutor executor : group) {
            EventLoop loop = (EventLoop) executor;
            SwarmInvoker invoker = engine.inline() ? engine.claimInvoker() : null;
            SwarmGateway gateway = new SwarmGateway(engine, invoker, loop, sizing);
            contexts.put(loop, new LoopContext(loop, gateway, bank.newWriter(), clock, maxConnections));
            if (invoker != null) {
                InlineCycle cycle = new InlineCycle(invoker, loop);
                loop.scheduleAtFixedRate(cycle, INLINE_CYCLE_MILLIS, INLINE_CYCLE_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
    }

    /**
     * The inline shard's duty cycle on its loop: every {@link #INLINE_CYCLE_MILLIS} ms, and while
     * commands are left by a cycle's time budget (a heavy cluster stream) once more right after
     * the loop's next round of sockets, so sockets and commands take turns. Only on the loop.
     */
    private static final class InlineCycle implements Runnable {
        private final SwarmInvoker invoker;
        private final EventLoop loop;
        private final Runnable again = this::runAgain;
        private boolean againScheduled;

        InlineCycle(SwarmInvoker invoker, EventLoop loop) {
            this.invoker = invoker;
            this.loop = loop;
        }

        @Override
        public void run() {
            invoker.doWork();
            if (invoker.commandsWaiting() && !againScheduled) {
                againScheduled = true;
                // a scheduled task, not execute(): the loop polls its sockets before it runs it
                loop.schedule(again, 0, TimeUnit.NANOSECONDS);
            }
        }

        private void runAgain() {
            againScheduled = false;
            run();
        }
    }

    /** The context of one of the group's loops; throws if the loop is not one of them. */
    public LoopContext of(EventLoop loop) {
        LoopContext context = contexts.get(loop);
        if (context == null) throw new IllegalArgumentException("not a socket worker of this tracker: " + loop);
        return context;
    }

    public int size() {
        return contexts.size();
    }
}
