package trackerd.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import trackerd.net.HeaderNames;

/** The request-head scanner on exact heads, at every split, at its limits, and on random bytes. */
class HttpHeadScannerTest {
    private final HttpRequestHead head = new HttpRequestHead();

    static ByteBuf bytes(String text) {
        return Unpooled.wrappedBuffer(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    int scan(String text, int max, byte[] proxyHeader) {
        ByteBuf in = bytes(text);
        return HttpHeadScanner.scan(in, 0, 0, in.writerIndex(), max, proxyHeader, head);
    }

    int scan(String text) {
        return scan(text, 8192, null);
    }

    String target(String text) {
        return text.substring(head.targetFrom, head.targetTo);
    }

    @Test
    void shouldReadALibtorrentStyleAnnounceHead() {
        String text = "GET /announce?info_hash=%01&port=1 HTTP/1.1\r\n" // request line
            + "Host: tracker.example:6969\r\n"                          // not read
            + "User-Agent: libtorrent/2.0.8.0\r\n"                     // not read
            + "Accept-Encoding: gzip\r\n"                              // not read
            + "Connection: close\r\n"                                  // read: no keep-alive
            + "\r\n"
            + "GET /next";                                             // the next request, not this one's
        assertEquals(HttpHeadScanner.OK, scan(text));
        assertEquals(HttpRequestHead.GET, head.method);
        assertEquals("/announce?info_hash=%01&port=1", target(text));
        assertEquals(1, head.minorVersion);
        assertTrue(head.connectionClose);
        assertFalse(head.keepAlive());
        assertEquals(text.indexOf("GET /next"), head.end);
    }

    @Test
    void keepAliveShouldFollowTheVersionAndConnectionTokens() {
        scan("GET / HTTP/1.1\r\n\r\n");
        assertTrue(head.keepAlive(), "HTTP/1.1 default");
        scan("GET / HTTP/1.0\r\n\r\n");
        assertFalse(head.keepAlive(), "HTTP/1.0 default");
        scan("GET / HTTP/1.0\r\nconnection: Keep-Alive\r\n\r\n");
        assertTrue(head.keepAlive());
        scan("GET / HTTP/1.1\r\nConnection: keep-alive, CLOSE\r\n\r\n");
        assertFalse(head.keepAlive(), "close wins");
    }

    @Test
    void shouldAcceptBareLineFeedsAndSkipLeadingEmptyLines() {
        String text = "\r\n\nHEAD /health HTTP/1.0\nX: y\n\n";
        ByteBuf in = bytes(text);
        int from = HttpHeadScanner.skipEmptyLines(in, 0, in.writerIndex());
        assertEquals(3, from);
        assertEquals(HttpHeadScanner.OK, HttpHeadScanner.scan(in, from, from, in.writerIndex(), 8192, null, head));
        assertEquals(HttpRequestHead.HEAD, head.method);
        assertEquals("/health", target(text));
        assertEquals(text.length(), head.end);
    }

    @Test
    void shouldFindTheWebSocketUpgrade() {
        scan("GET / HTTP/1.1\r\nUpgrade: WebSocket\r\nConnection: keep-alive, Upgrade\r\n\r\n");
        assertTrue(head.webSocketUpgrade());
        scan("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n");
        assertFalse(head.webSocketUpgrade(), "Connection must name upgrade too");
    }

    @Test
    void shouldFlagBodies() {
        scan("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
        assertFalse(head.hasBody);
        scan("GET / HTTP/1.1\r\nContent-Length: 000\r\n\r\n");
        assertFalse(head.hasBody);
        scan("GET / HTTP/1.1\r\ncontent-length: 12\r\n\r\n");
        assertTrue(head.hasBody);
        scan("GET / HTTP/1.1\r\nContent-Length:\r\n\r\n");
        assertTrue(head.hasBody, "an empty length is no promise of none");
        scan("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
        assertTrue(head.hasBody);
    }

    @Test
    void shouldLocateTheLastProxyHeaderLine() {
        String text = "GET / HTTP/1.1\r\nX-Forwarded-For: 1.1.1.1\r\nx-forwarded-for:  2.2.2.2, 3.3.3.3 \r\n\r\n";
        scan(text, 8192, HeaderNames.X_FORWARDED_FOR);
        assertEquals("2.2.2.2, 3.3.3.3", text.substring(head.proxyFrom, head.proxyTo));
        scan(text, 8192, null);
        assertEquals(-1, head.proxyFrom, "not looked for when not configured");
    }

    @Test
    void otherMethodsShouldBeReadAsSuch() {
        assertEquals(HttpHeadScanner.OK, scan("POST /announce HTTP/1.1\r\n\r\n"));
        assertEquals(HttpRequestHead.OTHER_METHOD, head.method);
        assertEquals(HttpHeadScanner.OK, scan("GETS / HTTP/1.1\r\n\r\n"));
        assertEquals(HttpRequestHead.OTHER_METHOD, head.method);
    }

    @Test
    void malformedHeadsShouldBeBadRequests() {
        for (String bad : new String[] {
            "GET\r\n\r\n", "GET /\r\n\r\n", "GET / HTTP/2.0\r\n\r\n", "GET / HTTP/1.1x\r\n\r\n", " / HTTP/1.1\r\n\r\n",
            "GET  HTTP/1.1\r\n\r\n", "GET /a b HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
            "GET / HTTP/1.1\r\n: empty name\r\n\r\n", "GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", "HTTP/1.1\r\n\r\n"}) {
            assertEquals(HttpHeadScanner.BAD_REQUEST, scan(bad), bad);
        }
    }

    @Test
    void limitsShouldTell414From431() {
        String line = "GET /" + "a".repeat(100) + " HTTP/1.1\r\n";
        assertEquals(HttpHeadScanner.URI_TOO_LONG, scan(line + "\r\n", 64, null));
        assertEquals(HttpHeadScanner.URI_TOO_LONG, scan(line.substring(0, 80), 64, null), "even before the line ends");
        String headers = "GET / HTTP/1.1\r\nX: " + "b".repeat(100) + "\r\n\r\n";
        assertEquals(HttpHeadScanner.HEADERS_TOO_LARGE, scan(headers, 64, null));
        assertEquals(HttpHeadScanner.HEADERS_TOO_LARGE, scan(headers.substring(0, 80), 64, null));
        String exact = "GET / HTTP/1.1\r\nX: " + "c".repeat(64 - 23) + "\r\n\r\n";
        assertEquals(64, exact.length());
        assertEquals(HttpHeadScanner.OK, scan(exact, 64, null));
        assertEquals(HttpHeadScanner.HEADERS_TOO_LARGE, scan(exact, 63, null));
        assertEquals(HttpHeadScanner.INCOMPLETE, scan(exact.substring(0, 63), 64, null));
    }

    /** A head arriving in two reads, split at every byte, with the search resumed where it stopped. */
    @Test
    void aHeadSplitAnywhereShouldBeFoundWhenComplete() {
        String text = "GET /scrape?info_hash=x HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n";
        for (int split = 0; split < text.length(); split++) {
            ByteBuf in = Unpooled.buffer();
            in.writeCharSequence(text.substring(0, split), StandardCharsets.ISO_8859_1);
            assertEquals(HttpHeadScanner.INCOMPLETE, HttpHeadScanner.scan(in, 0, 0, in.writerIndex(), 8192, null, head));
            int searched = in.writerIndex();
            in.writeCharSequence(text.substring(split), StandardCharsets.ISO_8859_1);
            assertEquals(HttpHeadScanner.OK,
                HttpHeadScanner.scan(in, 0, searched, in.writerIndex(), 8192, null, head), "split " + split);
            assertEquals(text.length(), head.end);
            assertTrue(head.connectionClose);
        }
    }

    /** Seeded: random bytes, and random mixes of real head pieces, never throw and stay in range. */
    @Test
    void randomInputShouldNeverThrow() {
        Random random = new Random(11);
        String[] pieces = {"GET ", "HEAD ", "POST ", "/announce", "?", "&", " ", "HTTP/1.1", "HTTP/1.0", "\r\n", "\n",
            "\r", ":", "Connection", "close", "keep-alive", "Upgrade", "websocket", "Content-Length", "0", "7",
            "Transfer-Encoding", "X-Forwarded-For", ",", "\t", "\u0000", "\u00ff"};
        for (int round = 0; round < 20_000; round++) {
            ByteBuf in = Unpooled.buffer();
            if (round % 2 == 0) {
                byte[] b = new byte[random.nextInt(80)];
                random.nextBytes(b);
                in.writeBytes(b);
            } else {
                for (int i = random.nextInt(30); i > 0; i--) {
                    in.writeCharSequence(pieces[random.nextInt(pieces.length)], StandardCharsets.ISO_8859_1);
                }
            }
            int to = in.writerIndex();
            int from = HttpHeadScanner.skipEmptyLines(in, 0, to);
            int searchFrom = from + (to > from ? random.nextInt(to - from + 1) : 0);
            int status = HttpHeadScanner.scan(in, from, searchFrom, to, 16 + random.nextInt(64),
                HeaderNames.X_FORWARDED_FOR, head);
            assertTrue(status >= HttpHeadScanner.OK && status <= HttpHeadScanner.BAD_REQUEST);
            if (status == HttpHeadScanner.OK) {
                assertTrue(head.end > from && head.end <= to);
                assertTrue(head.targetFrom > from && head.targetFrom <= head.targetTo && head.targetTo < head.end);
                assertTrue(head.proxyFrom < 0 || (head.proxyFrom <= head.proxyTo && head.proxyTo < head.end));
            }
        }
    }

    /**
     * Heads longer than the first copy (1 KiB), whole and split at many points, and many heads
     * in one read: the copy grows in steps and keeps what it holds, indexes stay the buffer's.
     */
    @Test
    void longHeadsAndPipelinedHeadsShouldScanAsShortOnes() {
        String pad = "X-Pad: " + "p".repeat(4000) + "\r\n";
        String text = "GET /announce?port=1 HTTP/1.1\r\n" + pad + "X-Forwarded-For: 10.0.0.7\r\n\r\n";
        String prefix = "GET /health HTTP/1.1\r\n\r\n"; // an earlier pipelined request in the same read
        ByteBuf in = bytes(prefix + text + "GET /next HTTP/1.1\r\n\r\n");
        int from = prefix.length();
        assertEquals(HttpHeadScanner.OK,
            HttpHeadScanner.scan(in, from, from, in.writerIndex(), 8192, HeaderNames.X_FORWARDED_FOR, head));
        assertEquals(from + text.length(), head.end);
        assertEquals("/announce?port=1", (prefix + text).substring(head.targetFrom, head.targetTo));
        assertEquals("10.0.0.7", (prefix + text).substring(head.proxyFrom, head.proxyTo));
        for (int split = 1; split < text.length(); split += 97) {
            ByteBuf part = Unpooled.buffer();
            part.writeCharSequence(text.substring(0, split), StandardCharsets.ISO_8859_1);
            assertEquals(HttpHeadScanner.INCOMPLETE, HttpHeadScanner.scan(part, 0, 0, part.writerIndex(), 8192, null, head));
            int searched = part.writerIndex();
            part.writeCharSequence(text.substring(split), StandardCharsets.ISO_8859_1);
            assertEquals(HttpHeadScanner.OK, HttpHeadScanner.scan(part, 0, searched, part.writerIndex(), 8192,
                HeaderNames.X_FORWARDED_FOR, head), "split " + split);
            assertEquals(text.length(), head.end);
            assertEquals("10.0.0.7", text.substring(head.proxyFrom, head.proxyTo));
        }
        // past the limit, long: 431 for headers, 414 for a request line alone
        assertEquals(HttpHeadScanner.HEADERS_TOO_LARGE, scan(text, 3000, null));
        assertEquals(HttpHeadScanner.URI_TOO_LONG, scan("GET /" + "a".repeat(9000) + " HTTP/1.1\r\n\r\n", 8192, null));
        // 64 heads in one read, each found in turn
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 64; i++) many.append("GET /scrape?n=").append(i).append(" HTTP/1.1\r\nHost: h\r\n\r\n");
        ByteBuf all = bytes(many.toString());
        int at = 0;
        for (int i = 0; i < 64; i++) {
            assertEquals(HttpHeadScanner.OK, HttpHeadScanner.scan(all, at, at, all.writerIndex(), 8192, null, head));
            assertEquals("/scrape?n=" + i, many.substring(head.targetFrom, head.targetTo));
            at = head.end;
        }
        assertEquals(all.writerIndex(), at);
    }

    /** Heads whose blank line straddles each step of the scanner's copy (1,024 bytes, then doubling). */
    @Test
    void longHeadsShouldEndAtTheirBlankLineAcrossCopySteps() {
        for (int length = 1000; length < 4200; length++) {
            if (length % 1024 > 16 && length % 1024 < 1008) continue; // near the steps only
            String start = "GET /announce HTTP/1.1\r\nX-Forwarded-For: 10.0.0.1\r\nX-Pad: ";
            String text = start + "p".repeat(length - start.length() - 4) + "\r\n\r\n";
            ByteBuf in = bytes(text + "GET /scrape HTTP/1.1\r\n\r\n");
            assertEquals(HttpHeadScanner.OK, HttpHeadScanner.scan(in, 0, 0, in.writerIndex(), 8192,
                HeaderNames.X_FORWARDED_FOR, head), "length " + length);
            assertEquals(length, head.end, "length " + length);
            assertEquals("10.0.0.1", in.toString(head.proxyFrom, head.proxyTo - head.proxyFrom,
                StandardCharsets.ISO_8859_1));
            assertEquals(HttpHeadScanner.INCOMPLETE, HttpHeadScanner.scan(in, 0, 0, length - 1, 8192, null, head),
                "length " + length + " less its last byte");
        }
    }

    /** Pipelined requests: each head is copied, not every byte behind it (64 of them cost 8 KB each). */
    @Test
    void pipelinedHeadsShouldNotCopyTheRequestsBehindThem() {
        String request = "GET /announce?info_hash=" + "%AB".repeat(20) + "&port=1 HTTP/1.1\r\nHost: h\r\n\r\n";
        ByteBuf in = bytes(request.repeat(64));
        int from = 0;
        for (int i = 0; i < 64; i++) {
            assertEquals(HttpHeadScanner.OK, HttpHeadScanner.scan(in, from, from, in.writerIndex(), 8192, null, head));
            assertEquals(from + request.length(), head.end);
            from = head.end;
        }
        assertEquals(1024, head.bytes.length, "the scratch array never grew");
    }
}
