package trackerd.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Golden HTTP replies as trackerd and opentracker send them, each fed whole, split in two at
 * every byte and one byte per read: the framer must hand over the same replies every time.
 */
class HttpReplyFramerTest {
    /** trackerd's keep-alive announce reply (tracker-http HttpResponses): two compact IPv4 peers. */
    static final String COMPACT_BODY = "d"
        + "8:completei1e"                       // seeders
        + "10:incompletei2e"                    // leechers
        + "8:intervali1800e"                    // seconds between announces
        + "12:min intervali900e"
        + "5:peers12:\u007f\0\0\u0001\u001a\u00e1\u007f\0\0\u0001\u001a\u00e2" // 127.0.0.1:6881, :6882 (BEP 23)
        + "e";
    static final String COMPACT = "HTTP/1.1 200 OK\r\n"
        + "Content-Type: text/plain\r\n"
        + "Content-Length: " + COMPACT_BODY.length() + "\r\n"
        + "\r\n" + COMPACT_BODY;
    /** One IPv6 peer (BEP 7): 16 address bytes ::1 and port 6881. */
    static final String PEERS6_BODY = "d8:completei0e10:incompletei1e8:intervali1800e"
        + "5:peers0:"
        + "6:peers618:" + "\0".repeat(15) + "\u0001\u001a\u00e1"
        + "e";
    static final String PEERS6 = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
        + PEERS6_BODY.length() + "\r\n\r\n" + PEERS6_BODY;
    /** compact=0 (BEP 3): a list of dictionaries with ip, peer id and port. */
    static final String DICTIONARY_BODY = "d8:intervali1800e5:peersl"
        + "d2:ip9:127.0.0.17:peer id20:-LT0001-000000000001" + "4:porti6881ee"
        + "d2:ip3:::14:porti6882ee"
        + "ee";
    static final String DICTIONARY = "HTTP/1.1 200 OK\r\nContent-Length: " + DICTIONARY_BODY.length()
        + "\r\nContent-Type: text/plain\r\n\r\n" + DICTIONARY_BODY;
    /** opentracker's scrape reply for info hash 5 (BEP 48): HTTP/1.1, Content-Length, no Connection header. */
    static final String SCRAPE_BODY = "d5:filesd20:" + Workload.binary(5)
        + "d8:completei0e10:downloadedi0e10:incompletei1eeee";
    static final String SCRAPE = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: "
        + SCRAPE_BODY.length() + "\r\n\r\n" + SCRAPE_BODY;
    /** A failure (BEP 3): status 200 and a failure reason; Connection: close from a tracker that closes. */
    static final String FAILURE_BODY = "d14:failure reason20:unregistered torrente";
    static final String FAILURE = "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 42\r\n\r\n" + FAILURE_BODY;
    /** HTTP/1.0 without Content-Length: the body runs until the tracker closes (RFC 9112 6.3); bare LFs. */
    static final String CLOSE_DELIMITED = "HTTP/1.0 200 OK\nContent-Type: text/plain\n\n" + COMPACT_BODY;
    /** opentracker's answers to a bad request and to an unknown path (HTTP/1.0: it closes). */
    static final String STATUS_400 = "HTTP/1.0 400 Invalid Request\r\nContent-Type: text/html\r\nContent-Length: 31\r\n\r\n"
        + "<title>Invalid Request</title>\n";
    static final String STATUS_404 = "HTTP/1.0 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: 25\r\n\r\n"
        + "<title>Not Found</title>\n";

    /** What the listener heard, one line per event. */
    static final class Recorder implements HttpReplyFramer.Listener {
        final List<String> events = new ArrayList<>();
        boolean stayOpen = true;

        @Override
        public boolean reply(HttpReplyFramer reply) {
            events.add(reply.statusText() + (reply.closes() ? " close " : " open ")
                + new String(reply.bytes(), reply.bodyIndex(), reply.bodyLength(), StandardCharsets.ISO_8859_1));
            return stayOpen;
        }

        @Override
        public void malformed(String reason) {
            events.add("malformed: " + reason);
        }
    }

    static ByteBuf bytes(String text) {
        return Unpooled.copiedBuffer(text, StandardCharsets.ISO_8859_1);
    }

    /** Feeds {@code pieces} as separate reads, then closes the connection; returns the events. */
    static List<String> feed(String... pieces) {
        Recorder recorder = new Recorder();
        EmbeddedChannel channel = new EmbeddedChannel(new HttpReplyFramer(recorder));
        for (String piece : pieces) channel.writeInbound(bytes(piece));
        channel.finishAndReleaseAll();
        return recorder.events;
    }

    /** The same events whole, split in two at every byte, and a byte per read. */
    static void assertFramed(String wire, String... expected) {
        List<String> want = List.of(expected);
        assertEquals(want, feed(wire), "whole");
        for (int split = 1; split < wire.length(); split++) {
            assertEquals(want, feed(wire.substring(0, split), wire.substring(split)), "split at " + split);
        }
        String[] single = new String[wire.length()];
        for (int i = 0; i < single.length; i++) single[i] = wire.substring(i, i + 1);
        assertEquals(want, feed(single), "a byte per read");
    }

    @Test
    void aCompactAnnounceShouldBeOneKeptAliveReply() {
        assertFramed(COMPACT, "200 OK open " + COMPACT_BODY);
    }

    @Test
    void peers6AndDictionaryRepliesShouldBeFramedAlike() {
        assertFramed(PEERS6, "200 OK open " + PEERS6_BODY);
        assertFramed(DICTIONARY, "200 OK open " + DICTIONARY_BODY);
    }

    @Test
    void opentrackersScrapeShouldBeOneReply() {
        assertFramed(SCRAPE, "200 OK open " + SCRAPE_BODY);
    }

    @Test
    void connectionCloseShouldEndTheConnectionAfterTheReply() {
        assertFramed(FAILURE, "200 OK close " + FAILURE_BODY);
        assertFramed(FAILURE + COMPACT, "200 OK close " + FAILURE_BODY); // nothing is read after it
    }

    @Test
    void aReplyWithoutContentLengthShouldEndWhenTheTrackerCloses() {
        assertFramed(CLOSE_DELIMITED, "200 OK close " + COMPACT_BODY);
    }

    @Test
    void errorStatusesShouldBeHandedOverWithTheirReason() {
        assertFramed(STATUS_400, "400 Invalid Request close <title>Invalid Request</title>\n");
        assertFramed(STATUS_404, "404 Not Found close <title>Not Found</title>\n");
        assertFramed("HTTP/1.1 204\r\n\r\n", "204 open "); // no reason phrase, no body
        assertFramed("HTTP/1.0 404 Not Found\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n", "404 Not Found open ");
    }

    @Test
    void garbageShouldBeMalformedOnceAndNothingAfter() {
        assertFramed("SSH-2.0-OpenSSH_9.2\r\n" + COMPACT, "malformed: status line does not start with \"HTTP/1.x NNN\"");
        assertFramed("HTTP/1.1 2000 OK\r\n\r\n", "malformed: status code of more than three digits");
        assertFramed("HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n", "malformed: Content-Length is not a number");
        assertFramed("HTTP/1.1 200 OK\r\nno colon\r\n\r\n", "malformed: header line without a colon");
        assertFramed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "malformed: Transfer-Encoding (chunked replies are not read)");
        assertFramed("HTTP/1.1 200 OK\r\nContent-Length: 2\r\ncontent-length: 3\r\n\r\nabc",
            "malformed: two different Content-Lengths");
        assertEquals(List.of("malformed: reply head over 8192 bytes"),
            feed("HTTP/1.1 200 OK\r\nX: " + "x".repeat(9000)));
    }

    @Test
    void aReplyCutShortShouldBeLeftToTheSession() {
        assertEquals(List.of(), feed(COMPACT.substring(0, COMPACT.length() - 1)));
        assertEquals(List.of(), feed(COMPACT.substring(0, 20)));
    }

    @Test
    void backToBackRepliesInOneReadShouldBeHandedOverInOrder() {
        assertFramed(COMPACT + SCRAPE + "HTTP/1.1 100 Continue\r\n\r\n" + PEERS6,
            "200 OK open " + COMPACT_BODY, "200 OK open " + SCRAPE_BODY, "200 OK open " + PEERS6_BODY);
    }

    @Test
    void aListenerThatClosesShouldHearNoMore() {
        Recorder recorder = new Recorder();
        recorder.stayOpen = false;
        EmbeddedChannel channel = new EmbeddedChannel(new HttpReplyFramer(recorder));
        channel.writeInbound(bytes(COMPACT + COMPACT.substring(0, 30)));
        channel.writeInbound(bytes(COMPACT.substring(30)));
        assertFalse(channel.finishAndReleaseAll());
        assertEquals(List.of("200 OK open " + COMPACT_BODY), recorder.events);
    }

    @Test
    void readBuffersShouldBeReleasedWhetherAReplyIsWholeSplitOrMalformed() {
        Recorder recorder = new Recorder();
        EmbeddedChannel channel = new EmbeddedChannel(new HttpReplyFramer(recorder));
        ByteBuf whole = bytes(COMPACT);
        ByteBuf first = bytes(COMPACT.substring(0, 40));
        ByteBuf rest = bytes(COMPACT.substring(40));
        ByteBuf garbage = bytes("garbage");
        ByteBuf after = bytes(COMPACT);
        for (ByteBuf read : new ByteBuf[] {whole, first, rest, garbage, after}) channel.writeInbound(read);
        for (ByteBuf read : new ByteBuf[] {whole, first, rest, garbage, after}) assertEquals(0, read.refCnt());
        assertFalse(channel.finishAndReleaseAll());
        assertEquals(List.of("200 OK open " + COMPACT_BODY, "200 OK open " + COMPACT_BODY,
            "malformed: status line does not start with \"HTTP/1.x NNN\""), recorder.events);
    }
}
