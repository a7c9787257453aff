package trackerd.ws.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Server-to-client WebSocket text frames built in the one pooled ByteBuf that holds their JSON,
 * so a message sent costs one buffer and no frame object: the buffer goes to the channel as a
 * plain ByteBuf, which Netty's frame encoder passes through untouched. Netty's own path (a
 * {@code TextWebSocketFrame} per message, then a second buffer for header and payload, the
 * payload copied into it) was an object, an allocation and a copy per message.
 *
 * <p>{@link #allocate} leaves {@link #HEADER_ROOM} bytes free before the payload; the caller
 * writes the payload; {@link #seal} writes the header right before it and moves the reader
 * index to the header's first byte. Header (RFC 6455 section 5.2, server frames are not masked):
 * <pre>
 *  byte 0     0x81: FIN = 1, RSV1-3 = 0, opcode 1 (text)
 *  byte 1     MASK = 0 | payload length 0-125, or 126, or 127
 *  bytes 2-3  payload length 126-65535, big-endian (when byte 1 is 126)
 *  bytes 2-9  payload length from 65536, big-endian (when byte 1 is 127)
 * </pre>
 * Stateless; any thread, on buffers its caller owns.
 */
final class TextFrames {
    /** Room before the payload: the longest header (2 + 8 bytes). */
    static final int HEADER_ROOM = 10;
    private static final int FIN_TEXT = 0x81;

    private TextFrames() {}

    /** A buffer of the channel's allocator with room for a header and {@code payloadBytes} (it grows past that). */
    static ByteBuf allocate(ByteBufAllocator allocator, int payloadBytes) {
        ByteBuf out = allocator.buffer(HEADER_ROOM + payloadBytes);
        out.writerIndex(HEADER_ROOM);
        out.readerIndex(HEADER_ROOM);
        return out;
    }

    /** Writes the header of the payload written since {@link #allocate}; returns {@code out}, readable as one frame. */
    static ByteBuf seal(ByteBuf out) {
        int length = out.writerIndex() - HEADER_ROOM;
        int start;
        if (length < 126) {
            start = HEADER_ROOM - 2;
            out.setByte(start + 1, length);
        } else if (length < 65_536) {
            start = HEADER_ROOM - 4;
            out.setByte(start + 1, 126);
            out.setShort(start + 2, length);
        } else {
            start = 0;
            out.setByte(1, 127);
            out.setLong(2, length);
        }
        out.setByte(start, FIN_TEXT);
        out.readerIndex(start);
        return out;
    }
}
