package trackerd.state;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;
import trackerd.swarm.DetachedTorrent;
import trackerd.swarm.SwarmSnapshotSink;

/**
 * The swarm snapshot's binary format, apart from any file: what {@code state.path} keeps across
 * restarts, and what a cluster node could send to another. Big-endian throughout.
 *
 * <pre>
 * header, {@value #HEADER_BYTES} bytes
 *    0  8  magic "TRKDSWRM"
 *    8  2  version ({@value #VERSION}); a reader refuses any other
 *   10  2  reserved, 0
 *   12  4  shards of the writer (information only: a reader routes each torrent by its hash)
 *   16  8  node id (random per writing process)
 *   24  8  when the save started, epoch milliseconds
 * blocks, one per slice of a shard, each
 *    0  4  records length in bytes (at most {@value #MAX_BLOCK_BYTES})
 *    4  4  torrents in the block
 *    8  8  block time, epoch seconds: every age in the block counts back from it
 *   16     torrent records
 * torrent record, {@value #TORRENT_BYTES} bytes, then its peers
 *    0 20  info hash
 *   20  4  completed (downloads, unsigned)
 *   24  2  torrent without peers kept for its completed count: ticks (4 s) since it went empty; else 0
 *   26  4  IPv4 peers (n4)
 *   30  4  IPv6 peers (n6)
 *   34     n4 x {@value #IPV4_PEER_BYTES}: address 4 | port 2 | [15: seeder][14..0: ticks since its last announce]
 *          n6 x {@value #IPV6_PEER_BYTES}: address 16 | port 2 | the same 2 bytes
 * trailer, {@value #TRAILER_BYTES} bytes
 *    0  4  0xFFFFFFFF, where a block's length would be
 *    4  4  reserved, 0
 *    8  8  torrents in all blocks
 *   16  8  peers in all blocks
 *   24  4  CRC32C of every byte before it, header included
 * </pre>
 *
 * <b>Times.</b> A peer's announce time is absolute: the block time minus its age; the writer
 * takes the block time when it encodes the slice, so a save that runs for seconds stays exact,
 * and a reader turns it into the time the peer has left ({@link trackerd.swarm.ShardRestore}).
 * Ages are in the swarms' 4-second ticks, 15 bits (36 hours, above the longest peer timeout),
 * which makes an IPv4 peer 8 bytes: a one-peer torrent is 42 bytes.
 *
 * <p>Decoding never throws on bytes: it returns a {@link Status}. Not thread-safe; an encoder or
 * decoder belongs to one thread at a time.
 */
public final class SnapshotCodec {
    public static final long MAGIC = 0x54524B445357524DL; // "TRKDSWRM"
    public static final int VERSION = 1;
    public static final int HEADER_BYTES = 32;
    public static final int BLOCK_HEADER_BYTES = 16;
    public static final int TORRENT_BYTES = 34;
    public static final int IPV4_PEER_BYTES = 8;
    public static final int IPV6_PEER_BYTES = 20;
    public static final int TRAILER_BYTES = 28;
    public static final int END_MARK = 0xFFFF_FFFF;
    /** Largest block a reader accepts: a slice of whole segments stays far below. */
    public static final int MAX_BLOCK_BYTES = 1 << 28;
    private static final int TICK = SwarmSnapshotSink.TICK_SECONDS;
    private static final int AGE_MASK = 0x7FFF;
    private static final int SEEDER = 0x8000;

    /** What a decode found. */
    public enum Status {
        OK, TRUNCATED, BAD_MAGIC, UNKNOWN_VERSION, CORRUPT
    }

    /** The header's fields. */
    public record Header(int version, int shards, long nodeId, long savedAtEpochMillis) {}

    private SnapshotCodec() {}

    public static void writeHeader(ByteBuffer out, int shards, long nodeId, long savedAtEpochMillis) {
        out.putLong(MAGIC).putShort((short) VERSION).putShort((short) 0).putInt(shards).putLong(nodeId)
            .putLong(savedAtEpochMillis);
    }

    /**
     * Reads a header at the buffer's position (moved past it when OK). {@code into[0]} gets the
     * header when the status is OK.
     */
    public static Status readHeader(ByteBuffer in, Header[] into) {
        if (in.remaining() < HEADER_BYTES) return Status.TRUNCATED;
        int at = in.position();
        if (in.getLong(at) != MAGIC) return Status.BAD_MAGIC;
        int version = in.getShort(at + 8) & 0xFFFF;
        if (version != VERSION) {
            into[0] = new Header(version, 0, 0, 0);
            return Status.UNKNOWN_VERSION;
        }
        into[0] = new Header(version, in.getInt(at + 12), in.getLong(at + 16), in.getLong(at + 24));
        in.position(at + HEADER_BYTES);
        return Status.OK;
    }

    /** The trailer after the last block, with the checksum of everything before it. */
    public static void writeTrailer(ByteBuffer out, long torrents, long peers, CRC32C crcSoFar) {
        int start = out.position();
        out.putInt(END_MARK).putInt(0).putLong(torrents).putLong(peers);
        ByteBuffer fields = out.duplicate().position(start).limit(start + TRAILER_BYTES - 4);
        crcSoFar.update(fields);
        out.putInt((int) crcSoFar.getValue());
    }

    /** Four ticks, rounded down, saturated at the 15 bits a record holds. */
    static int ticks(int ageSeconds) {
        return Math.min(AGE_MASK, Math.max(0, ageSeconds) / TICK);
    }

    /**
     * Encodes records into one block: {@link #begin} with the block time, then the records as a
     * {@link SwarmSnapshotSink}, then {@link #finish}. The buffer grows as needed and is reused.
     * {@linkplain SwarmSnapshotSink#detached Detached} torrents are kept aside, not encoded: the
     * caller writes each into a block of its own ({@link #detachedTorrents}), with the same block time.
     */
    public static final class BlockEncoder implements SwarmSnapshotSink {
        private ByteBuffer buffer;
        private int torrents;
        private long peers;
        private long blockEpochSeconds;
        private final List<DetachedTorrent> detached = new ArrayList<>();

        public BlockEncoder(int initialBytes) {
            buffer = ByteBuffer.allocate(Math.max(initialBytes, 1024));
        }

        /** Starts a block whose ages count back from {@code blockEpochSeconds}. */
        public void begin(long blockEpochSeconds) {
            this.blockEpochSeconds = blockEpochSeconds;
            detached.clear();
            buffer.clear();
            buffer.putInt(0).putInt(0).putLong(blockEpochSeconds);
            torrents = 0;
            peers = 0;
        }

        private void room(long bytes) {
            if (buffer.remaining() >= bytes) return;
            long wanted = Math.max((long) buffer.capacity() * 2, buffer.position() + bytes);
            if (wanted > MAX_BLOCK_BYTES + BLOCK_HEADER_BYTES) {
                throw new IllegalStateException("snapshot block past " + MAX_BLOCK_BYTES + " bytes");
            }
            ByteBuffer bigger = ByteBuffer.allocate((int) wanted);
            buffer.flip();
            bigger.put(buffer);
            buffer = bigger;
        }

        @Override
        public void torrent(long h0, long h1, int h2, int completed, int emptyForSeconds, int ipv4Peers, int ipv6Peers) {
            room(TORRENT_BYTES + (long) ipv4Peers * IPV4_PEER_BYTES + (long) ipv6Peers * IPV6_PEER_BYTES);
            buffer.putLong(h0).putLong(h1).putInt(h2).putInt(completed).putShort((short) ticks(emptyForSeconds))
                .putInt(ipv4Peers).putInt(ipv6Peers);
            torrents++;
        }

        @Override
        public void ipv4Peer(int address, int port, boolean seeder, int ageSeconds) {
            room(IPV4_PEER_BYTES);
            buffer.putLong(((address & 0xFFFF_FFFFL) << 32) | ((long) (port & 0xFFFF) << 16)
                | (seeder ? SEEDER : 0) | ticks(ageSeconds));
            peers++;
        }

        @Override
        public void ipv6Peer(long address0, long address1, int port, boolean seeder, int ageSeconds) {
            room(IPV6_PEER_BYTES);
            buffer.putLong(address0).putLong(address1).putShort((short) port)
                .putShort((short) ((seeder ? SEEDER : 0) | ticks(ageSeconds)));
            peers++;
        }

        @Override
        public void detached(DetachedTorrent torrent) {
            detached.add(torrent);
        }

        /** Torrents handed over as copies since {@link #begin}, not in this block. */
        public List<DetachedTorrent> detachedTorrents() {
            return detached;
        }

        public long blockEpochSeconds() {
            return blockEpochSeconds;
        }

        /** Ends the block: its bytes are {@link #block()}'s position 0 to limit. */
        public ByteBuffer finish() {
            buffer.putInt(0, buffer.position() - BLOCK_HEADER_BYTES).putInt(4, torrents);
            return block();
        }

        /** The finished block, a view from 0 to its end. */
        public ByteBuffer block() {
            return buffer.duplicate().flip();
        }

        public int torrents() {
            return torrents;
        }

        public long peers() {
            return peers;
        }
    }

    /**
     * Decodes a block's records (the bytes after its 16-byte header) into a sink, with every age
     * moved on by {@code elapsedSeconds} (now minus the block time; negative when the clock went
     * back, then ages shrink to no less than 0). Checks that the records fill the block exactly
     * and that counts fit in it; the sink may have been handed records of a block that then
     * turns out CORRUPT. Counts what it decoded in {@link Counts}.
     */
    public static Status decodeRecords(ByteBuffer in, int torrents, long elapsedSeconds, SwarmSnapshotSink sink,
                                       Counts counts) {
        int pos = in.position();
        int end = in.limit();
        for (int i = 0; i < torrents; i++) {
            if (end - pos < TORRENT_BYTES) return Status.CORRUPT;
            long h0 = in.getLong(pos);
            long h1 = in.getLong(pos + 8);
            int h2 = in.getInt(pos + 16);
            int completed = in.getInt(pos + 20);
            int emptyTicks = in.getShort(pos + 24) & 0xFFFF;
            long n4 = in.getInt(pos + 26) & 0xFFFF_FFFFL;
            long n6 = in.getInt(pos + 30) & 0xFFFF_FFFFL;
            pos += TORRENT_BYTES;
            if ((emptyTicks & SEEDER) != 0 || n4 * IPV4_PEER_BYTES + n6 * IPV6_PEER_BYTES > end - pos) {
                return Status.CORRUPT;
            }
            sink.torrent(h0, h1, h2, completed, n4 + n6 == 0 ? age(emptyTicks, elapsedSeconds) : 0, (int) n4, (int) n6);
            for (long p = 0; p < n4; p++, pos += IPV4_PEER_BYTES) {
                long word = in.getLong(pos);
                sink.ipv4Peer((int) (word >>> 32), (int) (word >>> 16) & 0xFFFF, (word & SEEDER) != 0,
                    age((int) word & AGE_MASK, elapsedSeconds));
            }
            for (long p = 0; p < n6; p++, pos += IPV6_PEER_BYTES) {
                int last = in.getInt(pos + 16);
                sink.ipv6Peer(in.getLong(pos), in.getLong(pos + 8), last >>> 16, (last & SEEDER) != 0,
                    age(last & AGE_MASK, elapsedSeconds));
            }
            counts.torrents++;
            counts.peers += n4 + n6;
        }
        in.position(pos);
        return pos == end ? Status.OK : Status.CORRUPT;
    }

    private static int age(int ticks, long elapsedSeconds) {
        return (int) Math.max(0, Math.min(Integer.MAX_VALUE, (long) ticks * TICK + elapsedSeconds));
    }

    /** Records decoded so far, to compare with the trailer. */
    public static final class Counts {
        public long torrents;
        public long peers;
    }
}
