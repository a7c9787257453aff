package trackerd.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static trackerd.loadtest.HttpReplyFramerTest.COMPACT_BODY;
import static trackerd.loadtest.HttpReplyFramerTest.DICTIONARY_BODY;
import static trackerd.loadtest.HttpReplyFramerTest.FAILURE_BODY;
import static trackerd.loadtest.HttpReplyFramerTest.PEERS6_BODY;
import static trackerd.loadtest.HttpReplyFramerTest.SCRAPE_BODY;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The one-pass reply check against the golden bodies of {@link HttpReplyFramerTest} and against
 * bodies that break one rule each, with the message the report shows.
 */
class HttpReplyCheckerTest {
    static final int NUMWANT = 3;
    /** The session asked to scrape info hashes 5 and 9 (Workload.binary). */
    final int[] scraped = {5, 9};
    final HttpReplyChecker checker = new HttpReplyChecker(NUMWANT, scraped);

    /** The body placed at an offset in a larger array, as it lies behind its HTTP head. */
    static byte[] framed(String body) {
        return ("HEAD" + body + "NEXT").getBytes(StandardCharsets.ISO_8859_1);
    }

    /** "valid N peers", "failure: text" or "invalid: message". */
    String check(String body, int type) {
        return switch (checker.check(framed(body), 4, body.length(), type)) {
            case HttpReplyChecker.VALID -> "valid " + checker.peers() + " peers";
            case HttpReplyChecker.FAILURE -> "failure: " + checker.failureReason();
            default -> "invalid: " + checker.problem();
        };
    }

    String announce(String body) {
        return check(body, Workload.ANNOUNCE);
    }

    String scrape(String body) {
        return check(body, Workload.SCRAPE);
    }

    @Test
    void goldenRepliesShouldBeValidWithTheirPeerCounts() {
        assertEquals("valid 2 peers", announce(COMPACT_BODY));
        assertEquals("valid 1 peers", announce(PEERS6_BODY));
        assertEquals("valid 2 peers", announce(DICTIONARY_BODY));
        assertEquals("valid 0 peers", scrape(SCRAPE_BODY));
        // BEP 3 sorted keys, both asked info hashes, and a key of no interest
        assertEquals("valid 0 peers", scrape("d5:filesd20:" + Workload.binary(5) + "d8:completei1e10:downloadedi2e"
            + "10:incompletei3e4:namei0ee20:" + Workload.binary(9) + "d8:completei0e10:downloadedi0e10:incompletei0eeee"));
    }

    @Test
    void aFailureReasonShouldBeAnErrorReplyWhateverTheRequest() {
        assertEquals("failure: unregistered torrent", announce(FAILURE_BODY));
        assertEquals("failure: unregistered torrent", scrape(FAILURE_BODY));
        assertEquals("failure: \u00e9", announce("d14:failure reason2:\u00c3\u00a9e")); // UTF-8 text
        assertEquals("invalid: reply is not bencode: 1 bytes after the value", announce(FAILURE_BODY + "x"));
    }

    @Test
    void announceRepliesBreakingARuleShouldSayWhich() {
        String peers = "5:peers6:abcdef";
        assertEquals("invalid: announce reply without a positive interval", announce("d" + peers + "e"));
        assertEquals("invalid: announce reply without a positive interval", announce("d8:intervali0e" + peers + "e"));
        assertEquals("invalid: announce reply without a positive interval", announce("d8:interval2:10" + peers + "e"));
        assertEquals("invalid: announce reply with a bad complete", announce("d8:completei-1e8:intervali1e" + peers + "e"));
        assertEquals("invalid: announce reply with a bad incomplete", announce("d10:incomplete1:x8:intervali1e" + peers + "e"));
        assertEquals("invalid: peers of 7 bytes", announce("d8:intervali1e5:peers7:abcdefge"));
        assertEquals("invalid: peers is neither a string nor a list", announce("d8:intervali1e5:peersi1ee"));
        assertEquals("invalid: a peer dictionary without ip and port", announce("d8:intervali1e5:peersld2:ip1:xeee"));
        assertEquals("invalid: a peer dictionary without ip and port",
            announce("d8:intervali1e5:peersld2:ip1:x4:porti65536eeee"));
        assertEquals("invalid: a peer dictionary without ip and port", announce("d8:intervali1e5:peersli1eee"));
        assertEquals("invalid: peers6 is not a multiple of 18 bytes", announce("d8:intervali1e6:peers61:xe"));
        assertEquals("invalid: peers6 is not a multiple of 18 bytes", announce("d8:intervali1e6:peers6lee"));
        assertEquals("invalid: announce reply without peers", announce("d8:intervali1ee"));
        assertEquals("invalid: 4 peers for numwant 3", announce("d8:intervali1e5:peers24:" + "x".repeat(24) + "e"));
        assertEquals("invalid: reply is not a bencoded dictionary", announce("li1ee"));
    }

    @Test
    void scrapeRepliesBreakingARuleShouldSayWhich() {
        String entry = "d8:completei0e10:downloadedi0e10:incompletei0ee";
        String five = "20:" + Workload.binary(5) + entry;
        String nine = "20:" + Workload.binary(9) + entry;
        assertEquals("invalid: scrape reply without files", scrape("d8:intervali1ee"));
        assertEquals("invalid: scrape reply without files", scrape("d5:fileslee"));
        assertEquals("invalid: scrape reply names an info hash that was not asked for",
            scrape("d5:filesd" + five + "20:" + Workload.binary(6) + entry + "ee"));
        assertEquals("invalid: scrape reply names an info hash that was not asked for", scrape("d5:filesd3:abc" + entry + "ee"));
        assertEquals("invalid: 3 files for 2 info hashes", scrape("d5:filesd" + five + nine + "3:abc" + entry + "ee"));
        assertEquals("invalid: scrape entry is not a dictionary", scrape("d5:filesd20:" + Workload.binary(9) + "i1eee"));
        assertEquals("invalid: scrape entry without a valid incomplete",
            scrape("d5:filesd20:" + Workload.binary(9) + "d8:completei0e10:downloadedi0eeee"));
        assertEquals("invalid: scrape entry without a valid complete",
            scrape("d5:filesd20:" + Workload.binary(9) + "d8:completei-1e10:downloadedi0e10:incompletei0eeee"));
        assertEquals("invalid: reply is not bencode: dictionary key \"" + Workload.binary(5) + "\" twice",
            scrape("d5:filesd" + five + five + "ee"));
    }

    @Test
    void bencodeSyntaxShouldBeHeldToTheOldReadersRules() {
        String[][] cases = {
            {"", "ends inside a value"}, {"d", "ends inside a value"}, {"i12", "ends inside a value"},
            {"ie", "empty number"}, {"i1x2e", "bad number"}, {"5:abc", "string of 5 bytes past the end"},
            {"d3:abce", "unexpected byte 0x65"}, {"di1ei2ee", "dictionary key is not a string"},
            {"i1ei2e", "3 bytes after the value"}, {"-1:", "unexpected byte 0x2d"},
            {"d8:intervali1e8:intervali2ee", "dictionary key \"interval\" twice"},
            {"i1234567890123456789e", "bad number"}, {"x", "unexpected byte 0x78"},
            {"d1:x" + "l".repeat(40) + "e".repeat(41), "nested deeper than 32"},
            {"d5:peersld4:porti1e4:porti2eeee", "dictionary key \"port\" twice"},
        };
        for (String[] c : cases) assertEquals("invalid: reply is not bencode: " + c[1], announce(c[0]), c[0]);
        assertEquals("invalid: reply is not bencode: ends inside a value", announce("l"));
        assertEquals("invalid: reply is not a bencoded dictionary", announce("li-3ei0ee"));
        // unsorted keys are read, as clients read opentracker's scrape files in request order
        assertEquals("invalid: announce reply without a positive interval", announce("d1:bi1e1:ai2ee"));
    }

    @Test
    void everyPrefixAndEveryByteFlipOfTheGoldenBodiesShouldBeCheckedWithoutThrowing() {
        for (String body : new String[] {COMPACT_BODY, PEERS6_BODY, DICTIONARY_BODY, SCRAPE_BODY, FAILURE_BODY}) {
            for (int length = 0; length < body.length(); length++) {
                String prefix = body.substring(0, length);
                assertNotEquals(HttpReplyChecker.VALID, resultOf(prefix, Workload.ANNOUNCE), prefix);
                resultOf(prefix, Workload.SCRAPE);
            }
            for (int i = 0; i < body.length(); i++) {
                for (char c : new char[] {'e', 'd', 'l', 'i', '9', '-', ':', '\0'}) {
                    String flipped = body.substring(0, i) + c + body.substring(i + 1);
                    resultOf(flipped, Workload.ANNOUNCE);
                    resultOf(flipped, Workload.SCRAPE);
                }
            }
        }
    }

    private int resultOf(String body, int type) {
        int result = checker.check(framed(body), 4, body.length(), type);
        if (result == HttpReplyChecker.INVALID) checker.problem();
        if (result == HttpReplyChecker.FAILURE) checker.failureReason();
        return result;
    }
}
