package trackerd.swarm;

/**
 * The inline engine's shard, run on the one event loop that claimed it
 * ({@link SwarmEngine#claimInvoker}), like Agrona's agent invoker: the loop answers each request
 * as it parses it ({@link #answer}) and runs the worker's duty cycle every few milliseconds
 * ({@link #doWork}: commands, cleaning, gauges). Only the claiming thread may call it; there
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

    /** One duty cycle; returns the work done. Never throws: failures are counted and logged once. */
    public int doWork() {
        return worker.doWork();
    }
}
