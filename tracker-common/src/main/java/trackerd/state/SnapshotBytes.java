package trackerd.state;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.zip.CRC32C;
import trackerd.state.SnapshotCodec.Counts;
import trackerd.state.SnapshotCodec.Header;
import trackerd.state.SnapshotCodec.Status;
import trackerd.swarm.SwarmSnapshotSink;

/**
 * A swarm snapshot held in memory instead of a file: byte for byte what {@link SnapshotFile}
 * writes ({@link SnapshotCodec}: header, blocks, trailer with CRC32C), for a cluster node that
 * keeps a snapshot of its own peers in Redis (issue 14). Reading checks the whole snapshot
 * (structure, counts, checksum) before a single record reaches the sink, as the file load does.
 */
public final class SnapshotBytes {
    private SnapshotBytes() {}

    /**
     * Builds one snapshot: header at construction, {@link #block}s, then {@link #finish}. The
     * array grows by doubling; {@code headroomBytes} stay free at its start for the caller's own
     * envelope (so that the snapshot is not copied once more). One thread.
     */
    public static final class Writer {
        private final int headroom;
        private final CRC32C crc = new CRC32C();
        private byte[] out;
        private int size;
        private long torrents;
        private long peers;

        public Writer(int headroomBytes, int shards, long nodeId, long savedAtEpochMillis) {
            headroom = headroomBytes;
            out = new byte[Math.max(1 << 16, headroomBytes + SnapshotCodec.HEADER_BYTES)];
            size = headroomBytes;
            ByteBuffer header = ByteBuffer.allocate(SnapshotCodec.HEADER_BYTES);
            SnapshotCodec.writeHeader(header, shards, nodeId, savedAtEpochMillis);
            append(header.flip());
        }

        private void append(ByteBuffer data) {
            int n = data.remaining();
            if (size + n > out.length) out = Arrays.copyOf(out, Math.max(out.length * 2, size + n));
            crc.update(data.duplicate());
            data.get(out, size, n);
            size += n;
        }

        /** Appends one finished block ({@link SnapshotCodec.BlockEncoder#finish}). */
        public void block(ByteBuffer block, int blockTorrents, long blockPeers) {
            append(block);
            torrents += blockTorrents;
            peers += blockPeers;
        }

        /** Writes the trailer; returns the array, the snapshot from {@code headroomBytes} to {@link #size}. */
        public byte[] finish() {
            ByteBuffer trailer = ByteBuffer.allocate(SnapshotCodec.TRAILER_BYTES);
            SnapshotCodec.writeTrailer(trailer, torrents, peers, crc);
            trailer.flip();
            if (size + trailer.remaining() > out.length) out = Arrays.copyOf(out, size + trailer.remaining());
            trailer.get(out, size, SnapshotCodec.TRAILER_BYTES);
            size += SnapshotCodec.TRAILER_BYTES;
            return out;
        }

        /** End of the snapshot in the array (headroom included). */
        public int size() {
            return size;
        }

        /** Bytes of the snapshot alone. */
        public int snapshotBytes() {
            return size - headroom;
        }

        public long torrents() {
            return torrents;
        }

        public long peers() {
            return peers;
        }
    }

    /**
     * Checks the snapshot in {@code in} (position to limit) whole, then, only when it passes,
     * decodes it into {@code sink}. Never throws on bytes.
     *
     * @param nowEpochSeconds the wall clock now: ages grow by the time since each block was written
     */
    public static SnapshotFile.LoadResult read(ByteBuffer in, long nowEpochSeconds, SwarmSnapshotSink sink) {
        SnapshotFile.LoadResult check = pass(in.duplicate(), nowEpochSeconds, NOWHERE);
        if (check.status() != Status.OK) return check;
        return pass(in.duplicate(), nowEpochSeconds, sink);
    }

    private static final SwarmSnapshotSink NOWHERE = new SwarmSnapshotSink() {
        @Override
        public void torrent(long h0, long h1, int h2, int completed, int emptyFor, int ipv4Peers, int ipv6Peers) {}

        @Override
        public void ipv4Peer(int address, int port, boolean seeder, int ageSeconds) {}

        @Override
        public void ipv6Peer(long address0, long address1, int port, boolean seeder, int ageSeconds) {}
    };

    private static SnapshotFile.LoadResult pass(ByteBuffer in, long nowEpochSeconds, SwarmSnapshotSink sink) {
        long size = in.remaining();
        int start = in.position();
        Header[] header = new Header[1];
        Status status = SnapshotCodec.readHeader(in, header);
        if (status == Status.UNKNOWN_VERSION) {
            return fail(status, "version " + header[0].version() + " (this build reads version " + SnapshotCodec.VERSION
                + ")", size);
        }
        if (status != Status.OK) return fail(status, status == Status.TRUNCATED ? "shorter than a header"
            : "not a trackerd swarm snapshot (bad magic)", size);
        Counts counts = new Counts();
        while (true) {
            if (in.remaining() < 4) return fail(Status.TRUNCATED, "ends after " + size + " bytes", size);
            int at = in.position();
            int length = in.getInt(at);
            if (length == SnapshotCodec.END_MARK) {
                if (in.remaining() < SnapshotCodec.TRAILER_BYTES) return fail(Status.TRUNCATED, "trailer cut", size);
                CRC32C crc = new CRC32C();
                crc.update(in.duplicate().position(start).limit(at + SnapshotCodec.TRAILER_BYTES - 4));
                if ((int) crc.getValue() != in.getInt(at + 24)) return fail(Status.CORRUPT, "checksum mismatch", size);
                if (in.getLong(at + 8) != counts.torrents || in.getLong(at + 16) != counts.peers) {
                    return fail(Status.CORRUPT, "trailer counts differ from the records", size);
                }
                if (in.limit() != at + SnapshotCodec.TRAILER_BYTES) return fail(Status.CORRUPT, "bytes after the trailer", size);
                return new SnapshotFile.LoadResult(Status.OK, "", header[0], counts.torrents, counts.peers, size);
            }
            if (length < 0 || length > SnapshotCodec.MAX_BLOCK_BYTES) {
                return fail(Status.CORRUPT, "block length " + Integer.toUnsignedString(length), size);
            }
            if (in.remaining() < SnapshotCodec.BLOCK_HEADER_BYTES + (long) length) {
                return fail(Status.TRUNCATED, "ends inside a block", size);
            }
            int torrents = in.getInt(at + 4);
            long blockEpochSeconds = in.getLong(at + 8);
            if (torrents < 0) return fail(Status.CORRUPT, "negative torrent count", size);
            int recordsAt = at + SnapshotCodec.BLOCK_HEADER_BYTES;
            ByteBuffer records = in.duplicate().position(recordsAt).limit(recordsAt + length);
            status = SnapshotCodec.decodeRecords(records, torrents, nowEpochSeconds - blockEpochSeconds, sink, counts);
            if (status != Status.OK) return fail(status, "records do not fit their block", size);
            in.position(recordsAt + length);
        }
    }

    private static SnapshotFile.LoadResult fail(Status status, String detail, long size) {
        return new SnapshotFile.LoadResult(status, detail, null, 0, 0, size);
    }
}
