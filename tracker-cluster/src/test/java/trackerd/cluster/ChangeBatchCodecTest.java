package trackerd.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import trackerd.swarm.ChangeBuffer;
import trackerd.swarm.SwarmShard;

class ChangeBatchCodecTest {
    static final long H0 = 0x0102030405060708L;
    static final long H1 = 0x090A0B0C0D0E0F10L;
    static final int H2 = 0x11121314;

    /** Golden bytes, field by field. */
    static byte[] golden() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(hex("01"));                 // version 1
        b.writeBytes(hex("00"));                 // flags: nothing lost
        b.writeBytes(hex("02"));                 // node id length 2
        b.writeBytes("n1".getBytes());           // node id "n1"
        b.writeBytes(hex("0000000000000007"));   // sequence 7
        b.writeBytes(hex("0002"));               // 2 changes
        // change 1: IPv4 seeder that completed, 10.0.0.1:6881, announced 8 s before the encoding
        b.writeBytes(hex("0a"));                 // flags: seeder (2) | completed (8)
        b.writeBytes(hex("0102030405060708090a0b0c0d0e0f1011121314")); // info hash
        b.writeBytes(hex("0a000001"));           // address 10.0.0.1
        b.writeBytes(hex("1ae1"));               // port 6881
        b.writeBytes(hex("0008"));               // age 8 s (2 ticks)
        // change 2: IPv6 leecher [2001:db8::9]:6882 that stopped, age 0
        b.writeBytes(hex("05"));                 // flags: IPv6 (1) | stopped (4)
        b.writeBytes(hex("0102030405060708090a0b0c0d0e0f1011121314")); // info hash
        b.writeBytes(hex("20010db8000000000000000000000009")); // address 2001:db8::9
        b.writeBytes(hex("1ae2"));               // port 6882
        b.writeBytes(hex("0000"));               // age 0
        return b.toByteArray();
    }

    static byte[] hex(String s) {
        return HexFormat.of().parseHex(s);
    }

    static ChangeBuffer twoChanges(int tick) {
        ChangeBuffer buffer = new ChangeBuffer(64);
        buffer.add(H0, H1, H2, ChangeBuffer.SEEDER | ChangeBuffer.COMPLETED, tick - 2,
            ChangeBuffer.keyWord(false, 0x0A000001L, 6881), 0, 0);
        buffer.add(H0, H1, H2, ChangeBuffer.IPV6 | ChangeBuffer.STOPPED, tick,
            ChangeBuffer.keyWord(true, 0x20010db800000000L, 6882), 0x20010db800000000L, 9);
        return buffer;
    }

    @Test
    void shouldEncodeTheGoldenBytes() {
        ChangeBatchCodec.Writer writer = new ChangeBatchCodec.Writer("n1");
        ChangeBuffer buffer = twoChanges(100);
        writer.begin(7, false);
        for (int pos = 0; pos < buffer.size(); pos = buffer.next(pos)) assertTrue(writer.add(buffer, pos, 100));
        byte[] message = writer.finish();
        assertArrayEquals(golden(), message);
        assertEquals(13 + 2 + ChangeBatchCodec.IPV4_CHANGE_BYTES + ChangeBatchCodec.IPV6_CHANGE_BYTES, message.length);
    }

    @Test
    void shouldDecodeTheGoldenBytesOntoTheReceiversClock() {
        ChangeBatchCodec.Header header = new ChangeBatchCodec.Header();
        assertEquals(ChangeBatchCodec.OK, ChangeBatchCodec.read(golden(), header));
        assertEquals("n1", header.nodeId);
        assertEquals(7, header.sequence);
        assertFalse(header.lost);
        assertEquals(2, header.count);
        ChangeBuffer out = new ChangeBuffer(64);
        long now = 4000; // this node's seconds since start: tick 1000
        ChangeBatchCodec.forEachChange(golden(), header, now, out::add);
        ChangeBuffer expected = new ChangeBuffer(64);
        expected.add(H0, H1, H2, ChangeBuffer.SEEDER | ChangeBuffer.COMPLETED, SwarmShard.tick(now - 8),
            ChangeBuffer.keyWord(false, 0x0A000001L, 6881), 0, 0);
        expected.add(H0, H1, H2, ChangeBuffer.IPV6 | ChangeBuffer.STOPPED, SwarmShard.tick(now),
            ChangeBuffer.keyWord(true, 0x20010db800000000L, 6882), 0x20010db800000000L, 9);
        assertEquals(describe(expected), describe(out));
    }

    @Test
    void heartbeatShouldBeAHeaderWithNoChangesAndCarryTheLostFlag() {
        ChangeBatchCodec.Writer writer = new ChangeBatchCodec.Writer("n1");
        writer.begin(1, true);
        byte[] m = writer.finish();
        assertArrayEquals(hex("01" + "01" + "02" + "6e31" + "0000000000000001" + "0000"), m);
        ChangeBatchCodec.Header header = new ChangeBatchCodec.Header();
        assertEquals(ChangeBatchCodec.OK, ChangeBatchCodec.read(m, header));
        assertTrue(header.lost);
        assertFalse(header.leaving);
        assertEquals(0, header.count);

        writer.begin(2, ChangeBatchCodec.FLAG_LEAVING);
        byte[] goodbye = writer.finish();
        assertArrayEquals(hex("01" + "02" + "02" + "6e31" + "0000000000000002" + "0000"), goodbye);
        assertEquals(ChangeBatchCodec.OK, ChangeBatchCodec.read(goodbye, header));
        assertTrue(header.leaving);
        assertFalse(header.lost);
    }

    @Test
    void roundTripShouldKeepManyChangesAndSaturateOldAges() {
        ChangeBatchCodec.Writer writer = new ChangeBatchCodec.Writer("node-with-a-longer-name");
        ChangeBuffer in = new ChangeBuffer(1 << 16);
        for (int i = 1; i <= 5000; i++) {
            boolean v6 = i % 5 == 0;
            in.add(i, -i, i * 3, (v6 ? ChangeBuffer.IPV6 : 0) | (i % 2 == 0 ? ChangeBuffer.SEEDER : 0), 500,
                ChangeBuffer.keyWord(v6, 0xC0A80000L + i, 1 + i % 65535), v6 ? 0x2001_0db8L << 32 : 0, v6 ? i : 0);
        }
        writer.begin(42, false);
        for (int pos = 0; pos < in.size(); pos = in.next(pos)) writer.add(in, pos, 500);
        byte[] m = writer.finish();
        ChangeBatchCodec.Header header = new ChangeBatchCodec.Header();
        assertEquals(ChangeBatchCodec.OK, ChangeBatchCodec.read(m, header));
        assertEquals(42, header.sequence);
        ChangeBuffer out = new ChangeBuffer(1 << 16);
        ChangeBatchCodec.forEachChange(m, header, 500L * 4, out::add);
        assertEquals(describe(in), describe(out));
        System.out.printf("%d changes (1 in 5 IPv6): %d bytes, %.1f bytes a change%n", header.count, m.length,
            (double) m.length / header.count);

        // a change 20,000 ticks old: age saturates at 65535 s instead of wrapping
        ChangeBuffer old = new ChangeBuffer(8);
        old.add(1, 2, 3, 0, 0, ChangeBuffer.keyWord(false, 1, 1), 0, 0);
        writer.begin(43, false);
        writer.add(old, 0, 20_000);
        byte[] aged = writer.finish();
        assertEquals(0xFFFF, ((aged[aged.length - 2] & 0xFF) << 8) | (aged[aged.length - 1] & 0xFF));
    }

    @Test
    void everyTruncationAndCorruptionShouldBeAStatusNeverAnException() {
        byte[] good = golden();
        ChangeBatchCodec.Header header = new ChangeBatchCodec.Header();
        for (int len = 0; len < good.length; len++) {
            byte[] cut = java.util.Arrays.copyOf(good, len);
            assertTrue(ChangeBatchCodec.read(cut, header) != ChangeBatchCodec.OK, "length " + len);
        }
        byte[] longer = java.util.Arrays.copyOf(good, good.length + 1);
        assertEquals(ChangeBatchCodec.BAD_LENGTH, ChangeBatchCodec.read(longer, header));
        byte[] v3 = good.clone();
        v3[0] = 3; // 2 is the version of messages with WebTorrent changes (WebTorrentChangeCodecTest)
        assertEquals(ChangeBatchCodec.BAD_VERSION, ChangeBatchCodec.read(v3, header));
        byte[] noId = good.clone();
        noId[2] = 0;
        assertEquals(ChangeBatchCodec.BAD_NODE_ID, ChangeBatchCodec.read(noId, header));
        java.util.Random random = new java.util.Random(1);
        for (int i = 0; i < 100_000; i++) {
            byte[] noise = good.clone();
            noise[random.nextInt(noise.length)] = (byte) random.nextInt();
            if (ChangeBatchCodec.read(noise, header) == ChangeBatchCodec.OK) {
                ChangeBatchCodec.forEachChange(noise, header, 100, (a, b, c, d, e, f, g, h) -> { });
            }
        }
    }

    static List<String> describe(ChangeBuffer b) {
        List<String> out = new ArrayList<>();
        for (int pos = 0; pos < b.size(); pos = b.next(pos)) {
            out.add(Long.toHexString(b.hash0(pos)) + "/" + Long.toHexString(b.hash1(pos)) + "/" + b.hash2(pos)
                + " f" + b.flags(pos) + " t" + b.tick(pos) + " " + Long.toHexString(b.address0(pos)) + ":"
                + Long.toHexString(b.address1(pos)) + "/" + b.port(pos));
        }
        return out;
    }
}
