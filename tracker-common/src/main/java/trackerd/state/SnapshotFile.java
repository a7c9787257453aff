package trackerd.state;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.zip.CRC32C;
import trackerd.state.SnapshotCodec.Counts;
import trackerd.state.SnapshotCodec.Header;
import trackerd.state.SnapshotCodec.Status;
import trackerd.swarm.SwarmSnapshotSink;

/**
 * The snapshot on disk ({@link SnapshotCodec} inside): written to a temp file in the same
 * directory, fsynced, renamed over the old one, and the directory fsynced, so that a crash or a
 * full disk at any moment leaves either the old snapshot or the new one, never a torn file. Read
 * in two passes: the first decodes every record into nothing and checks the structure, the
 * counts and the CRC32C; only a file that passes is decoded a second time into the swarms, so
 * a bad file never leaves half its torrents behind. Mode 0600: it holds peer addresses.
 */
public final class SnapshotFile {
    public static final String NAME = "swarms.snapshot";
    static final String TEMP_SUFFIX = ".tmp";
    private static final int READ_BUFFER_BYTES = 1 << 20;

    private SnapshotFile() {}

    /** One snapshot being written; {@link #commit} makes it the snapshot, {@link #close} without commit drops it. */
    public static final class Writer implements AutoCloseable {
        private final Path target;
        private final Path temp;
        private final FileChannel channel;
        private final CRC32C crc = new CRC32C();
        private long torrents;
        private long peers;
        private long bytes;
        private boolean done;

        private Writer(Path target, int shards, long nodeId, long savedAtEpochMillis) throws IOException {
            this.target = target;
            this.temp = target.resolveSibling(target.getFileName() + TEMP_SUFFIX);
            Files.deleteIfExists(temp); // a save that a crash interrupted
            channel = FileChannel.open(temp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            ByteBuffer header = ByteBuffer.allocate(SnapshotCodec.HEADER_BYTES);
            SnapshotCodec.writeHeader(header, shards, nodeId, savedAtEpochMillis);
            try {
                write(header.flip());
            } catch (IOException e) { // e.g. a full disk: the caller gets no Writer to close
                close();
                throw e;
            }
        }

        /** Opens {@code dir/}{@value #NAME}{@code .tmp} for a new snapshot. */
        public static Writer open(Path dir, int shards, long nodeId, long savedAtEpochMillis) throws IOException {
            return new Writer(dir.resolve(NAME), shards, nodeId, savedAtEpochMillis);
        }

        private void write(ByteBuffer data) throws IOException {
            crc.update(data.duplicate());
            while (data.hasRemaining()) bytes += channel.write(data);
        }

        /** Appends one finished block ({@link SnapshotCodec.BlockEncoder#finish}). */
        public void block(ByteBuffer block, int blockTorrents, long blockPeers) throws IOException {
            write(block);
            torrents += blockTorrents;
            peers += blockPeers;
        }

        /** Trailer, fsync, rename over the old snapshot, fsync the directory. Returns the file's size. */
        public long commit() throws IOException {
            ByteBuffer trailer = ByteBuffer.allocate(SnapshotCodec.TRAILER_BYTES);
            SnapshotCodec.writeTrailer(trailer, torrents, peers, crc);
            trailer.flip();
            while (trailer.hasRemaining()) bytes += channel.write(trailer);
            channel.force(true);
            channel.close();
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
            syncDirectory(target.getParent());
            return bytes;
        }

        public long torrents() {
            return torrents;
        }

        public long peers() {
            return peers;
        }

        @Override
        public void close() {
            if (done) return;
            done = true;
            try {
                channel.close();
            } catch (IOException e) {
                // dropping the file anyway
            }
            try {
                Files.deleteIfExists(temp);
            } catch (IOException e) {
                // the next save deletes it
            }
        }
    }

    /** Makes a rename durable: fsync of the directory (Linux; a no-op where directories cannot be opened). */
    static void syncDirectory(Path dir) throws IOException {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException e) {
            if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) return;
            throw e;
        }
    }

    /**
     * What a load found.
     *
     * @param status OK, or why the file was refused (then nothing was restored)
     * @param detail one line for the log
     */
    public record LoadResult(Status status, String detail, Header header, long torrents, long peers, long bytes) {}

    /**
     * Reads {@code file} into {@code sink} when the whole file checks out; else restores nothing.
     * Throws only {@link NoSuchFileException} (no snapshot) and other I/O errors (unreadable).
     *
     * @param nowEpochSeconds the wall clock now: ages grow by the time since each block was written
     */
    public static LoadResult load(Path file, long nowEpochSeconds, SwarmSnapshotSink sink) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            LoadResult check = read(channel, nowEpochSeconds, NOWHERE, size);
            if (check.status() != Status.OK) return check;
            channel.position(0);
            LoadResult result = read(channel, nowEpochSeconds, sink, size);
            if (result.status() != Status.OK) { // the file changed under us: the first pass passed
                throw new IOException("snapshot changed while it was read: " + result.detail());
            }
            return result;
        }
    }

    private static final SwarmSnapshotSink NOWHERE = new SwarmSnapshotSink() {
        @Override
        public void torrent(long h0, long h1, int h2, int completed, int emptyFor, int ipv4Peers, int ipv6Peers) {}

        @Override
        public void ipv4Peer(int address, int port, boolean seeder, int ageSeconds) {}

        @Override
        public void ipv6Peer(long address0, long address1, int port, boolean seeder, int ageSeconds) {}
    };

    private static LoadResult read(FileChannel channel, long nowEpochSeconds, SwarmSnapshotSink sink, long size)
            throws IOException {
        CRC32C crc = new CRC32C();
        ByteBuffer buffer = ByteBuffer.allocate(READ_BUFFER_BYTES);
        Header[] header = new Header[1];
        Counts counts = new Counts();
        try {
            ByteBuffer head = readFully(channel, buffer, SnapshotCodec.HEADER_BYTES);
            Status status = SnapshotCodec.readHeader(head.duplicate(), header);
            if (status == Status.UNKNOWN_VERSION) {
                return fail(status, "version " + header[0].version() + " (this build reads version "
                    + SnapshotCodec.VERSION + ")", size);
            }
            if (status != Status.OK) return fail(status, "not a trackerd swarm snapshot (bad magic)", size);
            crc.update(head);
            while (true) {
                ByteBuffer first = readFully(channel, buffer, 4);
                int length = first.getInt(0);
                if (length == SnapshotCodec.END_MARK) {
                    crc.update(first);
                    ByteBuffer rest = readFully(channel, buffer, SnapshotCodec.TRAILER_BYTES - 4);
                    long torrents = rest.getLong(4);
                    long peers = rest.getLong(12);
                    int expected = rest.getInt(20);
                    crc.update(rest.duplicate().limit(20));
                    if ((int) crc.getValue() != expected) return fail(Status.CORRUPT, "checksum mismatch", size);
                    if (torrents != counts.torrents || peers != counts.peers) {
                        return fail(Status.CORRUPT, "trailer counts differ from the records", size);
                    }
                    if (channel.position() != size) return fail(Status.CORRUPT, "bytes after the trailer", size);
                    return new LoadResult(Status.OK, "", header[0], counts.torrents, counts.peers, size);
                }
                if (length < 0 || length > SnapshotCodec.MAX_BLOCK_BYTES) {
                    return fail(Status.CORRUPT, "block length " + Integer.toUnsignedString(length), size);
                }
                crc.update(first);
                ByteBuffer blockHeader = readFully(channel, buffer, SnapshotCodec.BLOCK_HEADER_BYTES - 4);
                int torrents = blockHeader.getInt(0);
                long blockEpochSeconds = blockHeader.getLong(4);
                crc.update(blockHeader);
                if (buffer.capacity() < length) buffer = ByteBuffer.allocate(length);
                ByteBuffer records = readFully(channel, buffer, length);
                crc.update(records.duplicate());
                if (torrents < 0) return fail(Status.CORRUPT, "negative torrent count", size);
                status = SnapshotCodec.decodeRecords(records, torrents, nowEpochSeconds - blockEpochSeconds, sink,
                    counts);
                if (status != Status.OK) return fail(status, "records do not fit their block", size);
            }
        } catch (EOFException e) {
            return fail(Status.TRUNCATED, "ends after " + size + " bytes", size);
        }
    }

    private static LoadResult fail(Status status, String detail, long size) {
        return new LoadResult(status, detail, null, 0, 0, size);
    }

    /** Reads exactly {@code n} bytes into the buffer's start; returns a view of them. */
    private static ByteBuffer readFully(FileChannel channel, ByteBuffer buffer, int n) throws IOException {
        buffer.clear().limit(n);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer) < 0) throw new EOFException();
        }
        return buffer.flip();
    }

    /**
     * Renames a refused snapshot to {@code NAME.<reason>-<epoch seconds>} beside it, so that the
     * next start begins empty instead of refusing it again (no crash loop), and the operator can
     * look at it. Returns the new path.
     */
    public static Path moveAside(Path file, String reason, long epochSeconds) throws IOException {
        for (int n = 0; n < 100; n++) {
            Path aside = file.resolveSibling(file.getFileName() + "." + reason + "-" + epochSeconds
                + (n == 0 ? "" : "-" + n));
            try {
                Files.createLink(aside, file); // fails if taken: never overwrites an earlier one
            } catch (FileAlreadyExistsException e) {
                continue;
            } catch (UnsupportedOperationException | IOException e) {
                Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
                syncDirectory(file.getParent());
                return aside;
            }
            Files.delete(file);
            syncDirectory(file.getParent());
            return aside;
        }
        throw new IOException("cannot find a free name to move " + file + " aside");
    }
}
