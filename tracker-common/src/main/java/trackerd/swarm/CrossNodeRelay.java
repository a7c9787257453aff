package trackerd.swarm;

/**
 * One WebTorrent offer or answer whose recipient another cluster node holds (issue 14), as the
 * origin event loop hands it to {@link CrossNodeRelays#send}: the routing fields in BEP terms and
 * the WebSocket text frame the recipient's node writes as it is (JSON made by this node's
 * WebTorrent front end; the SDP value inside it as the sender's client wrote it). The recipient's
 * node routes it through its own shard, never parses the JSON.
 *
 * <p>A reusable holder, one per event loop: {@link CrossNodeRelays#send} copies what it needs
 * before it returns. Ids are three big-endian words (bytes 0-7, 8-15, 16-19), as in
 * {@link SwarmRequest}.
 */
public final class CrossNodeRelay {
    /** An offer: {@code from} is the offerer, {@code to} the recipient that may answer. */
    public static final int OFFER = 0;
    /** An answer: {@code from} is the answerer, {@code to} the offerer waiting for it. */
    public static final int ANSWER = 1;

    public int kind;
    /** The recipient's node: its origin index on this node ({@link RelayBlock#recipientConnection}). */
    public int origin;
    public long infoHash0;
    public long infoHash1;
    public int infoHash2;
    public long from0;
    public long from1;
    public int from2;
    public long offer0;
    public long offer1;
    public int offer2;
    public long to0;
    public long to1;
    public int to2;
    /** The text frame's payload for the recipient, bytes 0 to {@link #frameLength}. */
    public byte[] frame;
    public int frameLength;
}
