package trackerd.cluster;

import java.nio.charset.StandardCharsets;
import trackerd.swarm.CrossNodeRelay;

/**
 * The message that carries one WebTorrent offer or answer to the node that holds its recipient
 * (issue 14), on that node's channel {@code trackerd:relay:NODEID}. Big-endian, no padding:
 *
 * <pre>
 * offset   size  field
 *  0       1     version = 1
 *  1       1     kind: 0 offer (from = offerer, to = the recipient that may answer),
 *                      1 answer (from = answerer, to = the offerer waiting for it)
 *  2       1     n = sender's node id length, 1..64
 *  3       n     sender's node id, UTF-8
 *  3+n     20    info hash
 *  23+n    20    from: peer id
 *  43+n    20    offer id
 *  63+n    20    to: peer id
 *  83+n    ...   the rest: the WebSocket text frame to write to the recipient, as the sender's
 *                WebTorrent front end made it ({"action":"announce",...,"offer"|"answer":{...}}, the
 *                SDP value as the sending browser wrote it); the receiver never parses it
 * </pre>
 *
 * {@link #read} never throws on bad bytes: it returns a status and the caller counts it.
 */
public final class RelayCodec {
    public static final int VERSION = 1;
    /** Bytes before the frame: {@code 83 + n}. */
    public static final int FIXED_BYTES = 83;

    public static final int OK = 0;
    public static final int TOO_SHORT = 1;
    public static final int BAD_VERSION = 2;
    public static final int BAD_NODE_ID = 3;
    public static final int BAD_KIND = 4;
    public static final int EMPTY_FRAME = 5;

    private RelayCodec() {}

    /**
     * One exactly sized message of {@code relay} from node {@code nodeId} (UTF-8, 1-64 bytes).
     * Any thread; allocates the message only (Redis holds it until it is written).
     */
    public static byte[] encode(byte[] nodeId, CrossNodeRelay relay) {
        int n = nodeId.length;
        byte[] m = new byte[FIXED_BYTES + n + relay.frameLength];
        m[0] = VERSION;
        m[1] = (byte) relay.kind;
        m[2] = (byte) n;
        System.arraycopy(nodeId, 0, m, 3, n);
        int at = 3 + n;
        at = id(m, at, relay.infoHash0, relay.infoHash1, relay.infoHash2);
        at = id(m, at, relay.from0, relay.from1, relay.from2);
        at = id(m, at, relay.offer0, relay.offer1, relay.offer2);
        at = id(m, at, relay.to0, relay.to1, relay.to2);
        System.arraycopy(relay.frame, 0, m, at, relay.frameLength);
        return m;
    }

    private static int id(byte[] m, int at, long w0, long w1, int w2) {
        put64(m, at, w0);
        put64(m, at + 8, w1);
        put32(m, at + 16, w2);
        return at + 20;
    }

    /** A decoded message: the fields, and where the frame lies in the message. One per reader. */
    public static final class Relay {
        public int kind;
        public String nodeId;
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
        public int frameOffset;
        public int frameLength;
    }

    /** Checks {@code m} and fills {@code out}; returns {@link #OK} or why not. */
    public static int read(byte[] m, Relay out) {
        if (m.length < 3) return TOO_SHORT;
        if ((m[0] & 0xFF) != VERSION) return BAD_VERSION;
        int kind = m[1] & 0xFF;
        if (kind != CrossNodeRelay.OFFER && kind != CrossNodeRelay.ANSWER) return BAD_KIND;
        int n = m[2] & 0xFF;
        if (n < 1 || n > 64) return BAD_NODE_ID;
        if (m.length < FIXED_BYTES + n) return TOO_SHORT;
        if (m.length == FIXED_BYTES + n) return EMPTY_FRAME;
        out.kind = kind;
        out.nodeId = new String(m, 3, n, StandardCharsets.UTF_8);
        int at = 3 + n;
        out.infoHash0 = u64(m, at);
        out.infoHash1 = u64(m, at + 8);
        out.infoHash2 = u32(m, at + 16);
        at += 20;
        out.from0 = u64(m, at);
        out.from1 = u64(m, at + 8);
        out.from2 = u32(m, at + 16);
        at += 20;
        out.offer0 = u64(m, at);
        out.offer1 = u64(m, at + 8);
        out.offer2 = u32(m, at + 16);
        at += 20;
        out.to0 = u64(m, at);
        out.to1 = u64(m, at + 8);
        out.to2 = u32(m, at + 16);
        at += 20;
        out.frameOffset = at;
        out.frameLength = m.length - at;
        return OK;
    }

    private static void put64(byte[] m, int at, long v) {
        for (int i = 0; i < 8; i++) m[at + i] = (byte) (v >>> (56 - 8 * i));
    }

    private static void put32(byte[] m, int at, int v) {
        for (int i = 0; i < 4; i++) m[at + i] = (byte) (v >>> (24 - 8 * i));
    }

    private static int u32(byte[] m, int at) {
        return (m[at] & 0xFF) << 24 | (m[at + 1] & 0xFF) << 16 | (m[at + 2] & 0xFF) << 8 | (m[at + 3] & 0xFF);
    }

    private static long u64(byte[] m, int at) {
        return (long) u32(m, at) << 32 | (u32(m, at + 4) & 0xFFFF_FFFFL);
    }
}
