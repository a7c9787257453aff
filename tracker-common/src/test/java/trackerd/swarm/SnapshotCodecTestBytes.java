package trackerd.swarm;

import java.nio.ByteBuffer;

/** Copies a buffer's remaining bytes (the encoder reuses its buffer). */
final class SnapshotCodecTestBytes {
    private SnapshotCodecTestBytes() {}

    static byte[] of(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }
}
