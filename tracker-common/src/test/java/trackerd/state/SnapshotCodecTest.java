package trackerd.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import trackerd.state.SnapshotCodec.Counts;
import trackerd.state.SnapshotCodec.Header;
import trackerd.state.SnapshotCodec.Status;
import trackerd.swarm.SwarmSnapshotSink;

/** Golden bytes of the snapshot format, field by field, and decoding that never throws. */
class SnapshotCodecTest {
    static final long BLOCK_TIME = 1_800_000_000L; // epoch seconds, 2027-01-15

    /** Builds bytes from hex groups; spaces and comments are for the reader. */
    static byte[] hex(String... groups) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (String g : groups) out.writeBytes(HexFormat.of().parseHex(g.replace(" ", "")));
        return out.toByteArray();
    }

    static final byte[] HEADER = hex(
        "54524b445357524d",   // magic "TRKDSWRM"
        "0001",               // version 1
        "0000",               // reserved
        "00000004",           // written by 4 shards
        "00000000deadbeef",   // node id
        "000001a3185c5000");  // save started 1,800,000,000,000 ms

    static final byte[] BLOCK = hex(
        "00000068",           // records: 104 bytes
        "00000002",           // 2 torrents
        "000000006b49d200",   // block time 1,800,000,000 s: ages count back from it
        // torrent A
        "0102030405060708 090a0b0c0d0e0f10 11121314", // info hash
        "00000003",           // completed 3
        "0000",               // has peers: not kept empty
        "00000002",           // 2 IPv4 peers
        "00000001",           // 1 IPv6 peer
        "0a000001 1ae1 8002", // 10.0.0.1:6881, seeder, announced 2 ticks (8 s) before the block time
        "0a000002 c8d5 0000", // 10.0.0.2:51413, leecher, announced at the block time
        "20010db8000000000000000000000001 1ae2 0001", // [2001:db8::1]:6882, leecher, 1 tick (4 s)
        // torrent B: no peers, kept for its downloads
        "aaaaaaaaaaaaaaaa aaaaaaaaaaaaaaaa aaaaaaaa", // info hash
        "00000007",           // completed 7
        "000f",               // empty for 15 ticks (60 s)
        "00000000",           // no IPv4 peers
        "00000000");          // no IPv6 peers

    static final byte[] TRAILER_FIELDS = hex(
        "ffffffff",           // end mark where a block length would be
        "00000000",           // reserved
        "0000000000000002",   // 2 torrents in all
        "0000000000000003");  // 3 peers in all

    /** The records above, as a sink sees them. */
    static void writeRecords(SwarmSnapshotSink sink) {
        sink.torrent(0x0102030405060708L, 0x090a0b0c0d0e0f10L, 0x11121314, 3, 0, 2, 1);
        sink.ipv4Peer(0x0a000001, 6881, true, 8);
        sink.ipv4Peer(0x0a000002, 51413, false, 0);
        sink.ipv6Peer(0x20010db800000000L, 1, 6882, false, 4);
        sink.torrent(0xaaaaaaaaaaaaaaaaL, 0xaaaaaaaaaaaaaaaaL, 0xaaaaaaaa, 7, 60, 0, 0);
    }

    static byte[] bytes(ByteBuffer b) {
        byte[] out = new byte[b.remaining()];
        b.duplicate().get(out);
        return out;
    }

    static byte[] wholeFile() {
        CRC32C crc = new CRC32C();
        crc.update(HEADER);
        crc.update(BLOCK);
        crc.update(TRAILER_FIELDS);
        return hex(HexFormat.of().formatHex(HEADER), HexFormat.of().formatHex(BLOCK),
            HexFormat.of().formatHex(TRAILER_FIELDS), String.format("%08x", (int) crc.getValue()));
    }

    @Test
    void headerShouldMatchTheGoldenBytesAndReadBack() {
        ByteBuffer out = ByteBuffer.allocate(SnapshotCodec.HEADER_BYTES);
        SnapshotCodec.writeHeader(out, 4, 0xdeadbeefL, 1_800_000_000_000L);
        assertArrayEquals(HEADER, out.array());
        Header[] header = new Header[1];
        assertEquals(Status.OK, SnapshotCodec.readHeader(ByteBuffer.wrap(HEADER), header));
        assertEquals(new Header(1, 4, 0xdeadbeefL, 1_800_000_000_000L), header[0]);
    }

    @Test
    void blockShouldMatchTheGoldenBytes() {
        SnapshotCodec.BlockEncoder encoder = new SnapshotCodec.BlockEncoder(16); // grows
        encoder.begin(BLOCK_TIME);
        writeRecords(encoder);
        assertArrayEquals(BLOCK, bytes(encoder.finish()));
        assertEquals(2, encoder.torrents());
        assertEquals(3, encoder.peers());
        encoder.begin(BLOCK_TIME); // reused: starts over
        writeRecords(encoder);
        assertArrayEquals(BLOCK, bytes(encoder.finish()));
    }

    @Test
    void trailerShouldCarryTheCountsAndTheChecksumOfAllBefore() {
        CRC32C crc = new CRC32C();
        crc.update(HEADER);
        crc.update(BLOCK);
        ByteBuffer out = ByteBuffer.allocate(SnapshotCodec.TRAILER_BYTES);
        SnapshotCodec.writeTrailer(out, 2, 3, crc);
        byte[] file = wholeFile();
        assertArrayEquals(java.util.Arrays.copyOfRange(file, file.length - 28, file.length), out.array());
    }

    /** Records what a decoder hands over, one string per call. */
    static final class Recorder implements SwarmSnapshotSink {
        final List<String> calls = new ArrayList<>();

        @Override
        public void torrent(long h0, long h1, int h2, int completed, int emptyFor, int ipv4Peers, int ipv6Peers) {
            calls.add(String.format("torrent %016x%016x%08x completed %d empty %d peers %d+%d", h0, h1, h2,
                completed, emptyFor, ipv4Peers, ipv6Peers));
        }

        @Override
        public void ipv4Peer(int address, int port, boolean seeder, int ageSeconds) {
            calls.add(String.format("v4 %08x:%d %s age %d", address, port, seeder ? "seeder" : "leecher", ageSeconds));
        }

        @Override
        public void ipv6Peer(long address0, long address1, int port, boolean seeder, int ageSeconds) {
            calls.add(String.format("v6 %016x%016x:%d %s age %d", address0, address1, port,
                seeder ? "seeder" : "leecher", ageSeconds));
        }
    }

    @Test
    void decodingShouldGiveTheRecordsBackWithAgesMovedOn() {
        Recorder expected = new Recorder();
        writeRecords(new SwarmSnapshotSink() { // what the decoder should hand over 100 s later
            @Override
            public void torrent(long h0, long h1, int h2, int completed, int emptyFor, int n4, int n6) {
                expected.torrent(h0, h1, h2, completed, emptyFor == 0 ? 0 : emptyFor + 100, n4, n6);
            }

            @Override
            public void ipv4Peer(int address, int port, boolean seeder, int age) {
                expected.ipv4Peer(address, port, seeder, age + 100);
            }

            @Override
            public void ipv6Peer(long a0, long a1, int port, boolean seeder, int age) {
                expected.ipv6Peer(a0, a1, port, seeder, age + 100);
            }
        });
        Recorder got = new Recorder();
        Counts counts = new Counts();
        ByteBuffer records = ByteBuffer.wrap(BLOCK, 16, BLOCK.length - 16).slice();
        assertEquals(Status.OK, SnapshotCodec.decodeRecords(records, 2, 100, got, counts));
        assertEquals(expected.calls, got.calls);
        assertEquals(2, counts.torrents);
        assertEquals(3, counts.peers);
    }

    @Test
    void agesShouldBeTicksRoundedDownAndSaturated() {
        assertEquals(0, SnapshotCodec.ticks(3));
        assertEquals(1, SnapshotCodec.ticks(4));
        assertEquals(0x7FFF, SnapshotCodec.ticks(Integer.MAX_VALUE));
        assertEquals(0, SnapshotCodec.ticks(-8), "a clock that went back gives age 0");
    }

    @Test
    void everyCutAndEveryTornCountShouldGiveAStatusNeverAnException() {
        byte[] records = java.util.Arrays.copyOfRange(BLOCK, 16, BLOCK.length);
        for (int length = 0; length <= records.length; length++) {
            for (int torrents = 0; torrents <= 3; torrents++) {
                Status status = SnapshotCodec.decodeRecords(ByteBuffer.wrap(records, 0, length).slice(), torrents, 0,
                    new Recorder(), new Counts());
                // whole records only: none, torrent A (34 + 2 x 8 + 20 bytes), or both
                boolean whole = length == 0 && torrents == 0 || length == 70 && torrents == 1
                    || length == records.length && torrents == 2;
                assertEquals(whole, status == Status.OK, "length " + length + ", " + torrents + " torrents");
            }
        }
        for (int i = 0; i < records.length; i++) { // every byte set to 0xff: counts and reserved bits
            byte[] bad = records.clone();
            bad[i] = (byte) 0xff;
            SnapshotCodec.decodeRecords(ByteBuffer.wrap(bad), 2, 0, new Recorder(), new Counts());
        }
        byte[] header = HEADER.clone();
        header[9] = 2;
        assertEquals(Status.UNKNOWN_VERSION, SnapshotCodec.readHeader(ByteBuffer.wrap(header), new Header[1]));
        header[0] = 0;
        assertEquals(Status.BAD_MAGIC, SnapshotCodec.readHeader(ByteBuffer.wrap(header), new Header[1]));
        assertEquals(Status.TRUNCATED, SnapshotCodec.readHeader(ByteBuffer.wrap(HEADER, 0, 31), new Header[1]));
        assertNotEquals(0, wholeFile().length);
    }
}
