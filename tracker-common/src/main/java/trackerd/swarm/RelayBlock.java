package trackerd.swarm;

/**
 * What a WebTorrent announce with offers or an answer asks of its shard beyond the announce
 * itself, and the shard's answer: who gets the relayed messages. Pooled by the front end apart
 * from {@link SwarmRequest}s (only announces that carry offers or an answer take one), attached
 * as {@link SwarmRequest#relay} and detached before the request goes back to its pool. The
 * swarm never sees SDP: it only picks recipients and remembers which offers it relayed.
 *
 * <p>In (front end): {@link #addOffer} the offer ids of up to {@link #capacity} offers (already
 * capped at min(offers, numwant, {@code ws.max_offers_per_announce})), or {@link #setAnswer}.
 * Out (shard): {@link #recipientCount} recipients; recipient {@code i} gets offer {@code i} (its
 * event loop index, connection token and peer id), or for an answer recipient 0 is the offerer
 * and {@link #answerRelayed} says whether the answer may go (else the sender gets a failure).
 *
 * <p>Size: 64 bytes plus 44 bytes per offer of room (484 bytes at 10 offers).
 */
public final class RelayBlock {
    /**
     * The event loop index of a recipient held by another cluster node (issue 14): its
     * {@link #recipientConnection} is then that node's origin index, and the relay crosses Redis.
     * No tracker has this many event loops.
     */
    public static final int REMOTE_LOOP = 0xFFFF;
    /** Three words per offer id (bytes 0-7, 8-15, 16-19 in the low 32 bits). */
    private final long[] offerIds;
    private int offerCount;
    private final int[] loops;
    /** Per recipient: connection token, then its peer id as three words. */
    private final long[] recipients;
    private int recipientCount;

    boolean hasAnswer;
    long toPeer0;
    long toPeer1;
    int toPeer2;
    long answerOffer0;
    long answerOffer1;
    int answerOffer2;
    /** Answer: the offerer was found, connected, and waiting for this answer. */
    boolean answerRelayed;

    public RelayBlock(int maxOffers) {
        int room = Math.max(1, maxOffers);
        offerIds = new long[room * 3];
        loops = new int[room];
        recipients = new long[room * 4];
    }

    public int capacity() {
        return loops.length;
    }

    /** Empties the block for its next announce. */
    public void clear() {
        offerCount = 0;
        recipientCount = 0;
        hasAnswer = false;
        answerRelayed = false;
    }

    /** Appends an offer id; false when the block is full. */
    public boolean addOffer(long o0, long o1, int o2) {
        if (offerCount == loops.length) return false;
        int i = 3 * offerCount++;
        offerIds[i] = o0;
        offerIds[i + 1] = o1;
        offerIds[i + 2] = o2;
        return true;
    }

    public int offerCount() {
        return offerCount;
    }

    /** The answer's {@code to_peer_id} (the offerer) and {@code offer_id}. */
    public void setAnswer(long to0, long to1, int to2, long offer0, long offer1, int offer2) {
        hasAnswer = true;
        toPeer0 = to0;
        toPeer1 = to1;
        toPeer2 = to2;
        answerOffer0 = offer0;
        answerOffer1 = offer1;
        answerOffer2 = offer2;
    }

    public boolean hasAnswer() {
        return hasAnswer;
    }

    /** Set by the shard: true when the answer may be relayed to recipient 0. */
    public boolean answerRelayed() {
        return answerRelayed;
    }

    public long offer0(int i) {
        return offerIds[3 * i];
    }

    public long offer1(int i) {
        return offerIds[3 * i + 1];
    }

    public int offer2(int i) {
        return (int) offerIds[3 * i + 2];
    }

    public long answerOffer0() {
        return answerOffer0;
    }

    public long answerOffer1() {
        return answerOffer1;
    }

    public int answerOffer2() {
        return answerOffer2;
    }

    void addRecipient(int loop, long connection, long p0, long p1, int p2) {
        int i = recipientCount++;
        loops[i] = loop;
        recipients[4 * i] = connection;
        recipients[4 * i + 1] = p0;
        recipients[4 * i + 2] = p1;
        recipients[4 * i + 3] = p2;
    }

    public int recipientCount() {
        return recipientCount;
    }

    /** Recipient {@code i}'s event loop index (as the front end numbered its loops). */
    public int recipientLoop(int i) {
        return loops[i];
    }

    /** Recipient {@code i}'s connection token on that loop; for {@link #REMOTE_LOOP}, the holding node's origin. */
    public long recipientConnection(int i) {
        return recipients[4 * i];
    }

    public long recipientPeer0(int i) {
        return recipients[4 * i + 1];
    }

    public long recipientPeer1(int i) {
        return recipients[4 * i + 2];
    }

    public int recipientPeer2(int i) {
        return (int) recipients[4 * i + 3];
    }
}
