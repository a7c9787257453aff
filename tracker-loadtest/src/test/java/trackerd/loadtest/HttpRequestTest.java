package trackerd.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The byte-level pieces of the http mode: percent-encoding and the bencode reader. */
class HttpRequestTest {
    @Test
    void bytesShouldBePercentEncodedExceptUnreservedOnes() {
        byte[] out = new byte[64];
        int at = HttpSession.escape(out, 0, 0x2D4C54303030312DL, 8); // "-LT0001-"
        at = HttpSession.escape(out, at, 0x00FF7E2E5F20L, 6);
        at = HttpSession.escape(out, at, 0x7A41L, 2);
        at = HttpSession.decimal(out, at, 65535);
        at = HttpSession.decimal(out, at, 0);
        assertEquals("-LT0001-%00%FF~._%20zA655350", new String(out, 0, at, StandardCharsets.US_ASCII));
    }

    static Object decode(String text) {
        return Bencode.decode(Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1));
    }

    @Test
    void bencodeShouldDecodeTrackerReplies() {
        Map<?, ?> reply = (Map<?, ?>) decode("d8:completei2e10:incompletei0e8:intervali1800e5:peers6:\u007f\0\0\u0001\u001a\u00e1e");
        assertEquals(2L, reply.get("complete"));
        assertEquals(1800L, reply.get("interval"));
        byte[] peers = (byte[]) reply.get("peers");
        assertEquals(6, peers.length);
        assertEquals((byte) 0xe1, peers[5]);
        assertEquals(List.of(-3L, 0L), decode("li-3ei0ee"));
        Map<?, ?> files = (Map<?, ?>) ((Map<?, ?>) decode("d5:filesd2:\u00ff\u0001d8:completei1eeee")).get("files");
        assertInstanceOf(Map.class, files.get("\u00ff\u0001"));
        assertEquals(2, ((Map<?, ?>) decode("d1:bi1e1:ai2ee")).size()); // opentracker's order, read as clients do
    }

    @Test
    void bencodeShouldRefuseWhatIsNotExactlyOneValue() {
        for (String bad : new String[] {"", "i12", "ie", "i1x2e", "5:abc", "d3:abce", "di1ei2ee", "l", "i1ei2e",
                "-1:", "d1:ai1e1:ai2ee", "i1234567890123456789e", "x"}) {
            assertThrows(IllegalArgumentException.class, () -> decode(bad), bad);
        }
        assertThrows(IllegalArgumentException.class, () -> decode("l".repeat(40) + "e".repeat(40)));
    }
}
