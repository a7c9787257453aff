package trackerd.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The byte-level pieces of the http mode's requests: percent-encoding and decimals (replies: HttpReplyCheckerTest). */
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
}
