package trackerd.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static trackerd.cluster.ChangeBatchCodecTest.hex;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import trackerd.swarm.CrossNodeRelay;

/** The cross-node WebTorrent relay message (issue 14): golden bytes both ways, bad bytes never throw. */
class RelayCodecTest {
    static final String FRAME = "{\"action\":\"announce\",\"offer\":{\"type\":\"offer\",\"sdp\":\"v=0\\r\\n\"}}";

    /** Golden bytes, field by field. */
    static byte[] golden() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.writeBytes(hex("01"));                 // version 1
        b.writeBytes(hex("00"));                 // kind: offer
        b.writeBytes(hex("02"));                 // sender's node id length 2
        b.writeBytes("n1".getBytes());           // sender "n1"
        b.writeBytes(hex("0102030405060708090a0b0c0d0e0f1011121314")); // info hash
        b.writeBytes(hex("2d5757303030302d6162636465666768ffffff00")); // from: the offerer's peer id (binary)
        b.writeBytes(hex("4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f4f00000001")); // offer id
        b.writeBytes(hex("2d5757303030302d7a7a7a7a7a7a7a7a00000002")); // to: the recipient's peer id
        b.writeBytes(FRAME.getBytes(StandardCharsets.UTF_8)); // the text frame, byte for byte
        return b.toByteArray();
    }

    static CrossNodeRelay relay() {
        CrossNodeRelay c = new CrossNodeRelay();
        c.kind = CrossNodeRelay.OFFER;
        c.origin = 4; // routing only: not on the wire (the channel names the node)
        c.infoHash0 = ChangeBatchCodecTest.H0;
        c.infoHash1 = ChangeBatchCodecTest.H1;
        c.infoHash2 = ChangeBatchCodecTest.H2;
        c.from0 = 0x2d5757303030302dL;
        c.from1 = 0x6162636465666768L;
        c.from2 = 0xffffff00;
        c.offer0 = 0x4f4f4f4f4f4f4f4fL;
        c.offer1 = 0x4f4f4f4f4f4f4f4fL;
        c.offer2 = 1;
        c.to0 = 0x2d5757303030302dL;
        c.to1 = 0x7a7a7a7a7a7a7a7aL;
        c.to2 = 2;
        byte[] frame = FRAME.getBytes(StandardCharsets.UTF_8);
        c.frame = Arrays.copyOf(frame, frame.length + 100); // a scratch array larger than the frame
        c.frameLength = frame.length;
        return c;
    }

    @Test
    void shouldEncodeTheGoldenBytes() {
        byte[] m = RelayCodec.encode("n1".getBytes(StandardCharsets.UTF_8), relay());
        assertArrayEquals(golden(), m);
        assertEquals(RelayCodec.FIXED_BYTES + 2 + FRAME.length(), m.length);
    }

    @Test
    void shouldDecodeTheGoldenBytes() {
        RelayCodec.Relay r = new RelayCodec.Relay();
        byte[] m = golden();
        assertEquals(RelayCodec.OK, RelayCodec.read(m, r));
        CrossNodeRelay c = relay();
        assertEquals(CrossNodeRelay.OFFER, r.kind);
        assertEquals("n1", r.nodeId);
        assertEquals(c.infoHash0, r.infoHash0);
        assertEquals(c.infoHash1, r.infoHash1);
        assertEquals(c.infoHash2, r.infoHash2);
        assertEquals(c.from0, r.from0);
        assertEquals(c.from1, r.from1);
        assertEquals(c.from2, r.from2);
        assertEquals(c.offer2, r.offer2);
        assertEquals(c.to1, r.to1);
        assertEquals(c.to2, r.to2);
        assertEquals(FRAME, new String(m, r.frameOffset, r.frameLength, StandardCharsets.UTF_8));
    }

    @Test
    void badBytesShouldBeAStatusNeverAnException() {
        RelayCodec.Relay r = new RelayCodec.Relay();
        byte[] good = golden();
        for (int n = 0; n <= RelayCodec.FIXED_BYTES + 2; n++) {
            assertNotEquals(RelayCodec.OK, RelayCodec.read(Arrays.copyOf(good, n), r), "length " + n);
        }
        byte[] kind = good.clone();
        kind[1] = 2;
        assertEquals(RelayCodec.BAD_KIND, RelayCodec.read(kind, r));
        byte[] version = good.clone();
        version[0] = 2;
        assertEquals(RelayCodec.BAD_VERSION, RelayCodec.read(version, r));
        byte[] noId = good.clone();
        noId[2] = 0;
        assertEquals(RelayCodec.BAD_NODE_ID, RelayCodec.read(noId, r));
        Random random = new Random(1);
        for (int i = 0; i < 100_000; i++) {
            byte[] noise = good.clone();
            noise[random.nextInt(noise.length)] = (byte) random.nextInt();
            RelayCodec.read(noise, r); // any status, never a throw
        }
    }
}
