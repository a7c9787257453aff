package trackerd.swarm;

/**
 * The WebTorrent front end's door for offers and answers that came from another cluster node
 * (issue 14) and that a shard has routed to one of this node's connections: the bytes go to the
 * recipient's event loop, which writes them if the connection is still open. Implemented by the
 * WebTorrent front end.
 */
public interface WsRelayDoor {
    /**
     * Any thread (a shard's, after routing): hands {@code length} bytes of {@code frame} from
     * {@code offset} (a whole text-frame payload) to event loop {@code loop} for connection token
     * {@code connection}. The array is the loop's from now on: the caller must not change it.
     * False when dropped (that loop's relay inbox is full, or no such loop).
     *
     * @param kind {@link CrossNodeRelay#OFFER} or {@link CrossNodeRelay#ANSWER}
     */
    boolean deliver(int loop, long connection, int kind, byte[] frame, int offset, int length);
}
