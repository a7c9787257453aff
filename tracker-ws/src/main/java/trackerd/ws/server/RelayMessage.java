package trackerd.ws.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/**
 * One relayed offer or answer on its way from the loop that encoded it to the loop that holds the
 * recipient's connection: the whole WebSocket text payload as bytes, and the recipient's token.
 *
 * <p><b>Ownership.</b> A message belongs to its origin loop's {@link RelayPool}. The origin takes
 * it, encodes into {@link #bytes} and offers it to the destination's {@link RelayInbox}; from then
 * on only the destination touches it, copies the bytes into a ByteBuf of its own channel's
 * allocator, and gives the message back ({@link RelayPool#giveBack}). The queues order memory,
 * so the plain fields need no volatile; no ByteBuf ever crosses threads (the {@link #writer}
 * wrapper is used by the origin only).
 *
 * <p>A relay from another cluster node (issue 14) is a message of no pool ({@link #home} null):
 * made by the shard that routed it around the bytes that came from Redis, dropped after delivery.
 */
final class RelayMessage {
    static final int FIRST_BYTES = 4096;
    /** Room the relay's JSON needs beyond its SDP: keys, three ids of up to 6 bytes a char. */
    static final int OVERHEAD_BYTES = 512;

    /** Null for a relay from another node: nothing to give it back to. */
    final RelayPool home;
    byte[] bytes;
    /** Where the payload starts in {@link #bytes} (0 but for relays from other nodes). */
    int offset;
    /** The origin's view of {@link #bytes} to encode into (writer index = length). */
    ByteBuf writer;
    int length;
    long connection;
    /** {@link WsMetrics#RELAY_OFFER} or {@link WsMetrics#RELAY_ANSWER}. */
    int kind;

    RelayMessage(RelayPool home) {
        this.home = home;
        setRoom(FIRST_BYTES);
    }

    /** A relay from another node: {@code length} bytes of {@code bytes} from {@code offset}, for one connection. */
    RelayMessage(byte[] bytes, int offset, int length, long connection, int kind) {
        this.home = null;
        this.bytes = bytes;
        this.offset = offset;
        this.length = length;
        this.connection = connection;
        this.kind = kind;
    }

    /** On the origin: room for a relay of {@code sdpLength} bytes of SDP, writer cleared. */
    ByteBuf writerFor(int sdpLength) {
        int need = sdpLength + OVERHEAD_BYTES;
        if (bytes.length < need) setRoom(Math.max(need, bytes.length * 2));
        writer.clear();
        return writer;
    }

    private void setRoom(int size) {
        bytes = new byte[size];
        writer = Unpooled.wrappedBuffer(bytes);
    }
}
