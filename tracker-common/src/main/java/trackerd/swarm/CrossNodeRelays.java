package trackerd.swarm;

/**
 * Where the WebTorrent front end hands offers and answers for peers of other cluster nodes
 * (issue 14); implemented by the cluster module. Best effort, like every relay: a full queue
 * drops the relay (the client sends fresh offers with its next announce).
 */
public interface CrossNodeRelays {
    /**
     * Any event loop: copies {@code relay} into one message for its recipient's node and queues it
     * for the cluster's relay thread, which publishes it. Never blocks and does no network I/O.
     * False when it was dropped (queue full); the caller counts it.
     */
    boolean send(CrossNodeRelay relay);
}
