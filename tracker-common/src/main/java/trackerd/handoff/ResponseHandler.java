package trackerd.handoff;

/** A front end's half of the hand-off, called on the socket worker's event loop. */
public interface ResponseHandler {
    /** Encode and write the answer (no flush), then {@link RequestSlot#release()} the slot. */
    void onResponse(RequestSlot slot);

    /** After a batch of responses: flush what was written. */
    void onBatchEnd();
}
