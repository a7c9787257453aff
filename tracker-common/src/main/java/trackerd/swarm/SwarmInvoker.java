package trackerd.swarm;

/**
 * The inline engine's shard, run on the one event loop that claimed it
 * ({@link SwarmEngine#claimInvoker}), like Agrona's agent invoker: the loop answers each request
 * as it parses it ({@link #answer}) and runs the worker's duty cycle every few milliseconds
 * ({@link #doWork}: commands, cleaning, gauges), and again right after the loop's next round of
 * sockets while commands wait. Only the claiming thread may call it; there
 * is exactly one, so the shard stays single-writer.
 */
public final class SwarmInvoker {
    private final SwarmWorker worker;

    SwarmInvoker(SwarmWorker worker) {
        this.worker = worker;
    }

    /** Answers one request into its result fields, now, on the calling (owning) loop. */
    public void answer(SwarmRequest request) {
        worker.answer(request);
    }

    /**
     * One duty cycle, its commands (another node's changes, snapshot and resync slices) cut off
     * after about 2 ms so that the loop's sockets are not held; returns the work done. Never
     * throws: failures are counted and logged once.
     */
    public int doWork() {
        return worker.doWork(SwarmWorker.INLINE_COMMAND_NANOS);
    }

    /** Commands were left by the last cycle's time budget: run another cycle soon. */
    public boolean commandsWaiting() {
        return worker.commandsWaiting();
    }
}
