package trackerd.handoff;

import trackerd.swarm.SwarmRequest;

/**
 * A front end's half of the hand-off, called on the socket worker's event loop that submitted
 * the request, in threaded and inline mode alike: {@link #onResponse} for each answer of a batch
 * (never from inside a submit call), then {@link #onBatchEnd} once.
 */
public interface ResponseHandler {
    /** Encode and write the answer (no flush), then release the request to its gateway. */
    void onResponse(SwarmRequest answered);

    /** After the answers of a batch: flush what was written. */
    void onBatchEnd();
}
