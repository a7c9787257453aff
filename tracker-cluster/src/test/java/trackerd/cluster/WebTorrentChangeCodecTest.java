package trackerd.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static trackerd.cluster.ChangeBatchCodecTest.hex;

import java.io.ByteArrayOutputStream;
import org.junit.jupiter.api.Test;
import trackerd.swarm.ChangeBuffer;
import trackerd.swarm.SwarmShard;

/** WebTorrent peer changes in the change stream (issue 14): version 2 messages, golden bytes. */
class WebTorrentChangeCodecTest {
    static final long H0 = ChangeBatchCodecTest.H0;
    static final long H1 = ChangeBatchCodecTest.H1;
    static final int H2 = ChangeBatchCodecTest.H2;
    static final long P0 = 0x2d5757303030302dL; // "-WW0000-"
    static final long P1 = 0x6162636465666768L; // "abcdefgh"
    static final long P2 = 0xffffff00L;          // bytes 0xff 0xff 0xff 0x00: binary ids travel as bytes

    /** Golden bytes, field by field. */
    static byte[] golden() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(hex("02"));                 // version 2: holds a WebTorrent change
        b.writeBytes(hex("00"));                 // flags: nothing lost
        b.writeBytes(hex("02"));                 // node id length 2
        b.writeBytes("n1".getBytes());           // node id "n1"
        b.writeBytes(hex("0000000000000009"));   // sequence 9
        b.writeBytes(hex("0002"));               // 2 changes
        // change 1: WebTorrent seeder that completed, announced 8 s before the encoding
        b.writeBytes(hex("1a"));                 // flags: WebTorrent (16) | seeder (2) | completed (8)
        b.writeBytes(hex("0102030405060708090a0b0c0d0e0f1011121314")); // info hash
        b.writeBytes(hex("2d575730303030 2d 6162636465666768 ffffff00".replace(" ", ""))); // peer id, 20 bytes
        b.writeBytes(hex("0008"));               // age 8 s (2 ticks)
        // change 2: an IPv4 BitTorrent leecher in the same message, 10.0.0.1:6881, age 0
        b.writeBytes(hex("00"));                 // flags: none
        b.writeBytes(hex("0102030405060708090a0b0c0d0e0f1011121314")); // info hash
        b.writeBytes(hex("0a000001"));           // address 10.0.0.1
        b.writeBytes(hex("1ae1"));               // port 6881
        b.writeBytes(hex("0000"));               // age 0
        return b.toByteArray();
    }

    static ChangeBuffer changes(int tick) {
        ChangeBuffer buffer = new ChangeBuffer(64);
        buffer.add(H0, H1, H2, ChangeBuffer.WEBTORRENT | ChangeBuffer.SEEDER | ChangeBuffer.COMPLETED, tick - 2,
            P0, P1, P2);
        buffer.add(H0, H1, H2, 0, tick, ChangeBuffer.keyWord(false, 0x0A000001L, 6881), 0, 0);
        return buffer;
    }

    @Test
    void shouldEncodeAWebTorrentChangeAsVersion2GoldenBytes() {
        ChangeBatchCodec.Writer writer = new ChangeBatchCodec.Writer("n1");
        ChangeBuffer buffer = changes(100);
        writer.begin(9, false);
        for (int pos = 0; pos < buffer.size(); pos = buffer.next(pos)) writer.add(buffer, pos, 100);
        byte[] message = writer.finish();
        assertArrayEquals(golden(), message);
        assertEquals(15 + ChangeBatchCodec.WEBTORRENT_CHANGE_BYTES + ChangeBatchCodec.IPV4_CHANGE_BYTES, message.length);

        writer.begin(10, false); // the next message without WebTorrent changes is version 1 again
        assertEquals(1, writer.finish()[0]);
    }

    @Test
    void shouldDecodeTheGoldenBytesIntoTheChangesTheShardsTake() {
        ChangeBatchCodec.Header header = new ChangeBatchCodec.Header();
        assertEquals(ChangeBatchCodec.OK, ChangeBatchCodec.read(golden(), header));
        assertEquals(2, header.count);
        ChangeBuffer out = new ChangeBuffer(64);
        long now = 4000; // this node's seconds since start: tick 1000
        ChangeBatchCodec.forEachChange(golden(), header, now, out::add);
        int tick = SwarmShard.tick(now);
        ChangeBuffer expected = changes(tick);
        assertEquals(2, out.count());
        for (int pos = 0; pos < expected.size(); pos = expected.next(pos)) {
            assertEquals(expected.flags(pos), out.flags(pos));
            assertEquals(expected.tick(pos), out.tick(pos));
            assertEquals(expected.hash0(pos), out.hash0(pos));
            assertEquals(expected.hash2(pos), out.hash2(pos));
            assertEquals(expected.keyWord(pos), out.keyWord(pos));
            assertEquals(expected.address0(pos), out.address0(pos));
            assertEquals(expected.address1(pos), out.address1(pos));
        }
    }

    @Test
    void aVersion1ReaderRuleShouldIgnoreTheWebTorrentBitAndVersion3BeRefused() {
        byte[] v1 = golden();
        v1[0] = 1; // as a version-1 sender: bit 4 is not a flag there, the first change reads as IPv4 (29 bytes)
        assertEquals(ChangeBatchCodec.BAD_LENGTH, ChangeBatchCodec.read(v1, new ChangeBatchCodec.Header()));
        byte[] v3 = golden();
        v3[0] = 3;
        assertEquals(ChangeBatchCodec.BAD_VERSION, ChangeBatchCodec.read(v3, new ChangeBatchCodec.Header()));
    }

    @Test
    void everyTruncationShouldBeRefusedWithoutThrowing() {
        byte[] m = golden();
        for (int n = 0; n < m.length; n++) {
            byte[] cut = java.util.Arrays.copyOf(m, n);
            int status = ChangeBatchCodec.read(cut, new ChangeBatchCodec.Header());
            assertEquals(true, status != ChangeBatchCodec.OK, "length " + n);
        }
    }
}
