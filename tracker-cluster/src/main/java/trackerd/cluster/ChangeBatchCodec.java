package trackerd.cluster;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import trackerd.swarm.ChangeBuffer;
import trackerd.swarm.SwarmShard;

/**
 * The one message nodes exchange (issue 14): a batch of one node's peer changes, or with no
 * changes a heartbeat. Big-endian, no padding:
 *
 * <pre>
 * offset  size  field
 *  0      1     version: 1, or 2 when the message holds a WebTorrent change (so that a cluster of
 *               nodes without WebTorrent peers can be upgraded one node at a time)
 *  1      1     flags: bit 0 LOST = the sender dropped changes since its previous message
 *                      (its change buffer overflowed, or a publish failed): resync it;
 *                      bit 1 LEAVING = the sender is shutting down: drop its peers now
 *  2      1     n = node id length, 1..64
 *  3      n     node id, UTF-8
 *  3+n    8     sequence number: 1 for the sender's first message, +1 for each after it
 *  11+n   2     change count c (0 = heartbeat only)
 *  13+n         c changes, each:
 *           1     flags: bit 0 IPv6, bit 1 seeder, bit 2 stopped, bit 3 completed,
 *                 bit 4 WebTorrent (version 2) ({@link ChangeBuffer})
 *           20    info hash
 *         BitTorrent peer (bit 4 clear):
 *           4|16  address (IPv4 | IPv6)
 *           2     port
 *         WebTorrent peer (bit 4 set; bit 0 clear):
 *           20    peer id
 *         then:
 *           2     age: seconds from the announce to the encoding (4-second steps; 65535 = that or older)
 * </pre>
 *
 * An IPv4 change is 29 bytes, an IPv6 one 41, a WebTorrent one 43. Ages, not times, travel, so node clocks need not
 * agree. Decoding never throws on bad bytes: {@link #read} returns a status and the caller counts
 * it. The writer is for one thread (the publisher), the reader for one (the subscriber).
 */
public final class ChangeBatchCodec {
    public static final int VERSION = 1;
    /** The version of a message that holds a WebTorrent change; readers take both. */
    public static final int VERSION_WEBTORRENT = 2;
    public static final int FLAG_LOST = 1;
    public static final int FLAG_LEAVING = 2;
    public static final int IPV4_CHANGE_BYTES = 29;
    public static final int IPV6_CHANGE_BYTES = 41;
    public static final int WEBTORRENT_CHANGE_BYTES = 43;
    /** Most changes in one message (the count is 16 bits). */
    public static final int MAX_CHANGES = 0xFFFF;
    private static final int TICK_SECONDS = 4;
    private static final int TICK_MASK = 0x7FFF;

    /** {@link #read} results. */
    public static final int OK = 0;
    public static final int TOO_SHORT = 1;
    public static final int BAD_VERSION = 2;
    public static final int BAD_NODE_ID = 3;
    public static final int BAD_LENGTH = 4;

    private ChangeBatchCodec() {}

    /** Builds messages from change buffers; one per publisher thread, reused. */
    public static final class Writer {
        private final byte[] nodeId;
        private byte[] out = new byte[4096];
        private int size;
        private int count;
        private int countAt;
        private boolean webTorrent;

        public Writer(String nodeId) {
            this.nodeId = nodeId.getBytes(StandardCharsets.UTF_8);
            if (this.nodeId.length < 1 || this.nodeId.length > 64) {
                throw new IllegalArgumentException("node id must be 1-64 bytes: " + nodeId);
            }
        }

        /** Starts a message; changes follow with {@link #add}. */
        public void begin(long sequence, boolean lost) {
            begin(sequence, lost ? FLAG_LOST : 0);
        }

        /** Starts a message with header flags ({@link #FLAG_LOST}, {@link #FLAG_LEAVING}). */
        public void begin(long sequence, int flags) {
            size = 0;
            count = 0;
            webTorrent = false;
            put8(VERSION);
            put8(flags);
            put8(nodeId.length);
            ensure(nodeId.length);
            System.arraycopy(nodeId, 0, out, size, nodeId.length);
            size += nodeId.length;
            put64(sequence);
            countAt = size;
            put16(0);
        }

        /** Changes in the message so far. */
        public int count() {
            return count;
        }

        /** Bytes of the message so far. */
        public int size() {
            return size;
        }

        /**
         * Appends the change at {@code pos} of {@code buffer}; false when the message already holds
         * {@link #MAX_CHANGES} (finish it and begin another).
         *
         * @param nowTick the encoding time as a {@link SwarmShard#tick}, for the age
         */
        public boolean add(ChangeBuffer buffer, int pos, int nowTick) {
            if (count == MAX_CHANGES) return false;
            int flags = buffer.flags(pos);
            boolean ipv6 = (flags & ChangeBuffer.IPV6) != 0;
            if ((flags & ChangeBuffer.WEBTORRENT) != 0) {
                ensure(WEBTORRENT_CHANGE_BYTES);
                put8(flags & ~ChangeBuffer.IPV6);
                put64(buffer.hash0(pos));
                put64(buffer.hash1(pos));
                put32(buffer.hash2(pos));
                put64(buffer.keyWord(pos));
                put64(buffer.address0(pos));
                put32((int) buffer.address1(pos));
                putAge(buffer, pos, nowTick);
                webTorrent = true;
                count++;
                return true;
            }
            ensure(ipv6 ? IPV6_CHANGE_BYTES : IPV4_CHANGE_BYTES);
            put8(flags);
            put64(buffer.hash0(pos));
            put64(buffer.hash1(pos));
            put32(buffer.hash2(pos));
            if (ipv6) {
                put64(buffer.address0(pos));
                put64(buffer.address1(pos));
            } else {
                put32((int) buffer.address0(pos));
            }
            put16(buffer.port(pos));
            putAge(buffer, pos, nowTick);
            count++;
            return true;
        }

        private void putAge(ChangeBuffer buffer, int pos, int nowTick) {
            put16(Math.min(0xFFFF, ((nowTick - buffer.tick(pos)) & TICK_MASK) * TICK_SECONDS));
        }

        /** The finished message, exactly sized. */
        public byte[] finish() {
            out[0] = (byte) (webTorrent ? VERSION_WEBTORRENT : VERSION);
            out[countAt] = (byte) (count >>> 8);
            out[countAt + 1] = (byte) count;
            return Arrays.copyOf(out, size);
        }

        private void ensure(int more) {
            if (size + more > out.length) out = Arrays.copyOf(out, Math.max(out.length * 2, size + more));
        }

        private void put8(int v) {
            ensure(1);
            out[size++] = (byte) v;
        }

        private void put16(int v) {
            ensure(2);
            out[size++] = (byte) (v >>> 8);
            out[size++] = (byte) v;
        }

        private void put32(int v) {
            ensure(4);
            for (int shift = 24; shift >= 0; shift -= 8) out[size++] = (byte) (v >>> shift);
        }

        private void put64(long v) {
            ensure(8);
            for (int shift = 56; shift >= 0; shift -= 8) out[size++] = (byte) (v >>> shift);
        }
    }

    /** Receives each change of a message, already on the receiving node's clock. */
    @FunctionalInterface
    public interface ChangeSink {
        /** Arguments as {@link ChangeBuffer#add} takes them. */
        void change(long h0, long h1, int h2, int flags, int tick, long keyWord, long a0, long a1);
    }

    /** A decoded header; one per subscriber thread, reused. */
    public static final class Header {
        public String nodeId;
        public long sequence;
        public boolean lost;
        public boolean leaving;
        public int count;
        int changesAt;
        int version;

        /** The message may hold a WebTorrent change (version 2; a version 1 message holds none). */
        public boolean hasWebTorrent() {
            return version == VERSION_WEBTORRENT;
        }
    }

    /**
     * Checks the whole message and fills {@code header}; returns {@link #OK} or why not. Nothing
     * of a bad message is applied.
     */
    public static int read(byte[] m, Header header) {
        if (m.length < 3) return TOO_SHORT;
        int version = m[0] & 0xFF;
        if (version != VERSION && version != VERSION_WEBTORRENT) return BAD_VERSION;
        int n = m[2] & 0xFF;
        if (n < 1 || n > 64) return BAD_NODE_ID;
        int at = 3 + n;
        if (m.length < at + 10) return TOO_SHORT;
        int count = u16(m, at + 8);
        int pos = at + 10;
        for (int i = 0; i < count; i++) {
            if (pos >= m.length) return BAD_LENGTH;
            pos += changeBytes(m[pos], version);
        }
        if (pos != m.length) return BAD_LENGTH;
        header.nodeId = new String(m, 3, n, StandardCharsets.UTF_8);
        header.lost = (m[1] & FLAG_LOST) != 0;
        header.leaving = (m[1] & FLAG_LEAVING) != 0;
        header.sequence = u64(m, at);
        header.count = count;
        header.changesAt = at + 10;
        header.version = version;
        return OK;
    }

    /** The flags a reader of {@code version} takes from a change's first byte (v1: the four of v1). */
    private static int flags(byte first, int version) {
        return first & (version == VERSION ? 0xF : 0x1F);
    }

    /** Bytes of the change whose first byte is {@code first} in a message of {@code header}'s version. */
    static int changeBytes(byte first, Header header) {
        return changeBytes(first, header.version);
    }

    private static int changeBytes(byte first, int version) {
        int flags = flags(first, version);
        if ((flags & ChangeBuffer.WEBTORRENT) != 0) return WEBTORRENT_CHANGE_BYTES;
        return (flags & ChangeBuffer.IPV6) != 0 ? IPV6_CHANGE_BYTES : IPV4_CHANGE_BYTES;
    }

    /**
     * Hands each change of a message that {@link #read} accepted to {@code sink}, with its age
     * turned into a tick of this node's clock ({@code nowSeconds} since this node started). Flag
     * bits beyond those of the message's version are ignored; a BitTorrent change with port 0
     * (never a peer) is skipped. A WebTorrent change comes as {@link ChangeBuffer} holds one:
     * the peer id's words as {@code keyWord}, {@code a0}, {@code a1}.
     */
    public static void forEachChange(byte[] m, Header header, long nowSeconds, ChangeSink sink) {
        int pos = header.changesAt;
        for (int i = 0; i < header.count; i++) {
            int flags = flags(m[pos], header.version);
            boolean ipv6 = (flags & ChangeBuffer.IPV6) != 0;
            long h0 = u64(m, pos + 1);
            long h1 = u64(m, pos + 9);
            int h2 = (int) u32(m, pos + 17);
            if ((flags & ChangeBuffer.WEBTORRENT) != 0) {
                flags &= ~ChangeBuffer.IPV6;
                long p0 = u64(m, pos + 21);
                long p1 = u64(m, pos + 29);
                long p2 = u32(m, pos + 37);
                int age = u16(m, pos + 41);
                pos += WEBTORRENT_CHANGE_BYTES;
                sink.change(h0, h1, h2, flags, SwarmShard.tick(Math.max(0, nowSeconds - age)), p0, p1, p2);
                continue;
            }
            long a0;
            long a1 = 0;
            int at = pos + 21;
            if (ipv6) {
                a0 = u64(m, at);
                a1 = u64(m, at + 8);
                at += 16;
            } else {
                a0 = u32(m, at);
                at += 4;
            }
            int port = u16(m, at);
            int age = u16(m, at + 2);
            pos = at + 4;
            if (port == 0) continue;
            int tick = SwarmShard.tick(Math.max(0, nowSeconds - age));
            sink.change(h0, h1, h2, flags, tick, ChangeBuffer.keyWord(ipv6, a0, port), ipv6 ? a0 : 0, a1);
        }
    }

    private static int u16(byte[] m, int at) {
        return (m[at] & 0xFF) << 8 | (m[at + 1] & 0xFF);
    }

    private static long u32(byte[] m, int at) {
        return (long) (m[at] & 0xFF) << 24 | (m[at + 1] & 0xFF) << 16 | (m[at + 2] & 0xFF) << 8 | (m[at + 3] & 0xFF);
    }

    private static long u64(byte[] m, int at) {
        return u32(m, at) << 32 | u32(m, at + 4);
    }
}
