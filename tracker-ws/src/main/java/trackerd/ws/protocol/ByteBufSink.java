package trackerd.ws.protocol;

import io.netty.buffer.ByteBuf;
import java.io.OutputStream;

/**
 * The OutputStream under the encoder's one long-lived {@code JsonGenerator}: it writes into
 * whichever ByteBuf the current message goes to, so the generator (and its 8 KB buffer) is made
 * once per encoder, not per message. One thread.
 */
final class ByteBufSink extends OutputStream {
    ByteBuf target;

    @Override
    public void write(int b) {
        target.writeByte(b);
    }

    @Override
    public void write(byte[] bytes, int offset, int length) {
        target.writeBytes(bytes, offset, length);
    }
}
