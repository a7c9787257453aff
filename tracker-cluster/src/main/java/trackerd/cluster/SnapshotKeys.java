package trackerd.cluster;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Where a node keeps its snapshot in Redis (issue 14), and the 24 bytes in front of it.
 *
 * <pre>
 * key trackerd:snapshot:NODE_ID, a string with a TTL ({@link SnapshotPublisher}):
 *   offset size
 *    0     8   magic "TRKDCSNP"
 *    8     8   sequence S: every change of this node published in a message with a sequence
 *              up to S is in the snapshot; a loader applies the live stream from S + 1 on
 *   16     8   sequence E: the last one published when the save ended. A message in S+1..E may
 *              repeat changes the snapshot holds: harmless for peers (applied in order after
 *              it), but a loader must not count their downloads again
 *   24         the snapshot of the node's own peers, byte for byte the state file's format
 *              ({@link trackerd.state.SnapshotCodec}: header, blocks, trailer with CRC32C)
 *
 * key trackerd:snapshot-wanted:NODE_ID, a short-lived string: a decimal sequence number. A node
 * that must resync NODE_ID and finds no snapshot covering that sequence sets it; NODE_ID looks at
 * it every heartbeat and saves a snapshot early.
 * </pre>
 *
 * A loader first reads the 24 bytes alone ({@code GETRANGE key 0 23}) to see whether the snapshot
 * is recent enough, and only then the whole value.
 */
final class SnapshotKeys {
    static final long MAGIC = 0x54524B4443534E50L; // "TRKDCSNP"
    static final int ENVELOPE_BYTES = 24;
    static final String SNAPSHOT_PREFIX = "trackerd:snapshot:";
    static final String WANTED_PREFIX = "trackerd:snapshot-wanted:";

    private SnapshotKeys() {}

    static byte[] snapshotKey(String nodeId) {
        return (SNAPSHOT_PREFIX + nodeId).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] wantedKey(String nodeId) {
        return (WANTED_PREFIX + nodeId).getBytes(StandardCharsets.UTF_8);
    }

    /** Writes the envelope into the first 24 bytes of {@code value}. */
    static void writeEnvelope(byte[] value, long sequence, long endSequence) {
        ByteBuffer.wrap(value).putLong(MAGIC).putLong(sequence).putLong(endSequence);
    }

    /** Sequence E of an envelope (see above); only after {@link #sequence} accepted it. */
    static long endSequence(byte[] value) {
        return ByteBuffer.wrap(value).getLong(16);
    }

    /** Sequence S of an envelope (the first 24 bytes of a value), or -1 when it is none. */
    static long sequence(byte[] value) {
        if (value == null || value.length < ENVELOPE_BYTES) return -1;
        ByteBuffer b = ByteBuffer.wrap(value);
        if (b.getLong(0) != MAGIC) return -1;
        long sequence = b.getLong(8);
        return sequence < 0 ? -1 : sequence;
    }
}
