package trackerd.loadtest;

import java.nio.charset.StandardCharsets;

/**
 * Checks one bencoded tracker reply body (BEP 3 announce, BEP 48 scrape) in one pass over its
 * bytes where they lie, without building values: the rules of the bencode reader it replaced
 * (which built maps, lists and byte arrays) and its checks, for the cost of a scan. The reply
 * must be exactly one bencoded dictionary (integers of at most 18 digits, nesting at most 32
 * deep, no key twice among the keys checked; a repeated unknown key is not noticed). Then:
 * <ul>
 * <li>a {@code failure reason} string makes it a {@link #FAILURE} ({@link #failureReason});
 * <li>an announce reply needs {@code interval} > 0; {@code complete} and {@code incomplete}, when
 *     present, integers >= 0; {@code peers} as a string of 6-byte peers (BEP 23) or a list of
 *     dictionaries with an {@code ip} string and a {@code port} 0-65535, and/or {@code peers6} of
 *     18-byte peers (BEP 7); at most numwant peers in all ({@link #peers});
 * <li>a scrape reply needs a {@code files} dictionary with at most as many entries as info hashes
 *     were asked, each keyed by one of them (compared as the 20 bytes of {@link Workload#hash0}
 *     and the others) and holding {@code complete}, {@code incomplete}, {@code downloaded} >= 0.
 * </ul>
 * A problem is kept as a code and a number or two; its message String is made only when asked
 * for ({@link #problem}), so a valid reply allocates nothing. One instance per session, used on
 * its event loop only.
 */
final class HttpReplyChecker {
    /** {@link #check} results. */
    static final int VALID = 0;
    static final int FAILURE = 1;
    static final int INVALID = 2;

    private static final int MAX_DEPTH = 32;

    // top-level keys that are checked, as bits of a "seen" mask
    private static final byte[][] TOP_KEYS = {ascii("failure reason"), ascii("interval"), ascii("complete"),
        ascii("incomplete"), ascii("peers"), ascii("peers6"), ascii("files")};
    private static final int FAILURE_REASON = 0;
    private static final int INTERVAL = 1;
    private static final int COMPLETE = 2;
    private static final int INCOMPLETE = 3;
    private static final int PEERS = 4;
    private static final int PEERS6 = 5;
    private static final int FILES = 6;
    private static final byte[][] PEER_KEYS = {ascii("ip"), ascii("port")};
    private static final int IP = 0;
    private static final int PORT = 1;
    /** A scrape entry's counts, in the order their problems are reported. */
    private static final byte[][] SCRAPE_KEYS = {ascii("complete"), ascii("incomplete"), ascii("downloaded")};

    // problems: a code, and the numbers its message needs
    private static final int NONE = 0;
    private static final int NOT_BENCODE = 1;
    private static final int NOT_A_DICTIONARY = 2;
    private static final int NO_INTERVAL = 3;
    private static final int BAD_COMPLETE = 4;
    private static final int BAD_INCOMPLETE = 5;
    private static final int PEERS_LENGTH = 6;
    private static final int BAD_PEER_DICTIONARY = 7;
    private static final int PEERS_NEITHER = 8;
    private static final int PEERS6_LENGTH = 9;
    private static final int NO_PEERS = 10;
    private static final int TOO_MANY_PEERS = 11;
    private static final int NO_FILES = 12;
    private static final int TOO_MANY_FILES = 13;
    private static final int NOT_ASKED = 14;
    private static final int ENTRY_NOT_A_DICTIONARY = 15;
    private static final int BAD_SCRAPE_COUNT = 16; // + index into SCRAPE_KEYS

    /** {@link #nextKey}: the dictionary's closing 'e' was read. */
    private static final int DICTIONARY_END = -2;
    /** {@link #knownKey}: a key the dictionary already had. */
    private static final int REPEATED = -2;
    /** {@link #member}: a key of none of the table's names. */
    private static final int UNKNOWN = -1;
    /** {@link #member}: the reply fails (the problem noted). */
    private static final int FAILED = -3;
    private static final int SYNTAX_ENDS_INSIDE = 1;
    private static final int SYNTAX_BAD_NUMBER = 2;
    private static final int SYNTAX_EMPTY_NUMBER = 3;
    private static final int SYNTAX_NEGATIVE_LENGTH = 4;
    private static final int SYNTAX_PAST_END = 5;
    private static final int SYNTAX_KEY_NOT_STRING = 6;
    private static final int SYNTAX_KEY_TWICE = 7;
    private static final int SYNTAX_UNEXPECTED = 8;
    private static final int SYNTAX_TOO_DEEP = 9;
    private static final int SYNTAX_TRAILING = 10;

    /** Returned by {@link #number} on a syntax error (18 digits never reach it). */
    private static final long NO_NUMBER = Long.MIN_VALUE;

    private final long numwant;
    private final int[] scraped;
    private final long[] asked0;
    private final long[] asked1;
    private final int[] asked2;
    private final boolean[] seenFile;

    /** The reply's bytes (the framer's copy): array reads cost a third of ByteBuf.getByte's checked ones. */
    private byte[] bytes;
    private int pos;
    private int end;
    private int syntax;
    /** The syntax error's number (a byte, a length) or key position. */
    private long syntaxValue;
    private int syntaxKeyIndex;
    private int syntaxKeyLength;

    private int problem;
    private long problemValue;
    private int seenTop;
    private int failureIndex;
    private int failureLength;
    private long interval;
    private boolean intervalValid;
    private boolean completeBad;
    private boolean incompleteBad;
    /** -1 when peers is absent, -2 when it is neither a string nor a list; else its length or entry count. */
    private long peersBytes;
    private boolean peersList;
    private boolean peerDictionaryBad;
    private long peers6Bytes;
    private boolean filesDictionary;
    private int files;
    private int fileProblem;
    private long peers;

    /**
     * @param scraped the session's scrape torrents ({@link Workload#infoHashId}s), filled in
     *     before each scrape request is written and read by {@link #check}
     */
    HttpReplyChecker(long numwant, int[] scraped) {
        this.numwant = numwant;
        this.scraped = scraped;
        asked0 = new long[scraped.length];
        asked1 = new long[scraped.length];
        asked2 = new int[scraped.length];
        seenFile = new boolean[scraped.length];
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Checks the body at {@code [index, index + length)} of {@code bytes} as the reply to a
     * request of {@code type} ({@link Workload#ANNOUNCE} or {@link Workload#SCRAPE}). Returns
     * {@link #VALID}, {@link #FAILURE} or {@link #INVALID}; {@link #failureReason} and
     * {@link #problem} read {@code bytes} again, so call them before it changes.
     */
    int check(byte[] bytes, int index, int length, int type) {
        this.bytes = bytes;
        pos = index;
        end = index + length;
        syntax = 0;
        problem = NONE;
        seenTop = 0;
        intervalValid = false;
        completeBad = false;
        incompleteBad = false;
        peersBytes = -1;
        peersList = false;
        peerDictionaryBad = false;
        peers6Bytes = -1;
        filesDictionary = false;
        files = 0;
        fileProblem = NONE;
        peers = 0;
        if (type == Workload.SCRAPE) {
            for (int i = 0; i < scraped.length; i++) {
                asked0[i] = Workload.hash0(scraped[i]);
                asked1[i] = Workload.hash1(scraped[i]);
                asked2[i] = Workload.hash2(scraped[i]);
                seenFile[i] = false;
            }
        }
        boolean dictionary = pos < end && bytes[pos] == 'd';
        boolean parsed = dictionary ? topDictionary() : skip(0);
        if (!parsed) return invalid(NOT_BENCODE, 0);
        if (pos < end) {
            syntax(SYNTAX_TRAILING, end - pos);
            return invalid(NOT_BENCODE, 0);
        }
        if (!dictionary) return invalid(NOT_A_DICTIONARY, 0);
        if (failureLength >= 0 && (seenTop & 1 << FAILURE_REASON) != 0) return FAILURE;
        return type == Workload.ANNOUNCE ? checkAnnounce() : checkScrape();
    }

    private int checkAnnounce() {
        if (!intervalValid || interval <= 0) return invalid(NO_INTERVAL, 0);
        if (completeBad) return invalid(BAD_COMPLETE, 0);
        if (incompleteBad) return invalid(BAD_INCOMPLETE, 0);
        long count = 0;
        if (peersBytes == -2) return invalid(PEERS_NEITHER, 0);
        if (peersList) {
            if (peerDictionaryBad) return invalid(BAD_PEER_DICTIONARY, 0);
            count += peersBytes;
        } else if (peersBytes >= 0) {
            if (peersBytes % 6 != 0) return invalid(PEERS_LENGTH, peersBytes);
            count += peersBytes / 6;
        }
        if ((seenTop & 1 << PEERS6) != 0) {
            if (peers6Bytes < 0 || peers6Bytes % 18 != 0) return invalid(PEERS6_LENGTH, 0);
            count += peers6Bytes / 18;
        }
        if ((seenTop & (1 << PEERS | 1 << PEERS6)) == 0) return invalid(NO_PEERS, 0);
        if (count > numwant) return invalid(TOO_MANY_PEERS, count);
        peers = count;
        return VALID;
    }

    private int checkScrape() {
        if (!filesDictionary) return invalid(NO_FILES, 0);
        if (files > scraped.length) return invalid(TOO_MANY_FILES, files);
        if (fileProblem != NONE) return invalid(fileProblem, 0);
        return VALID;
    }

    private int invalid(int code, long value) {
        problem = code;
        problemValue = value;
        return INVALID;
    }

    /** The peers of a valid announce reply (compact IPv4, IPv6 and dictionaries together). */
    long peers() {
        return peers;
    }

    /** The failure reason of the last {@link #FAILURE} reply, as UTF-8 text; made on each call. */
    String failureReason() {
        return new String(bytes, failureIndex, failureLength, StandardCharsets.UTF_8);
    }

    /** Why the last {@link #INVALID} reply is invalid, in words; made on each call. */
    String problem() {
        return switch (problem) {
            case NOT_BENCODE -> "reply is not bencode: " + syntaxMessage();
            case NOT_A_DICTIONARY -> "reply is not a bencoded dictionary";
            case NO_INTERVAL -> "announce reply without a positive interval";
            case BAD_COMPLETE -> "announce reply with a bad complete";
            case BAD_INCOMPLETE -> "announce reply with a bad incomplete";
            case PEERS_LENGTH -> "peers of " + problemValue + " bytes";
            case BAD_PEER_DICTIONARY -> "a peer dictionary without ip and port";
            case PEERS_NEITHER -> "peers is neither a string nor a list";
            case PEERS6_LENGTH -> "peers6 is not a multiple of 18 bytes";
            case NO_PEERS -> "announce reply without peers";
            case TOO_MANY_PEERS -> problemValue + " peers for numwant " + numwant;
            case NO_FILES -> "scrape reply without files";
            case TOO_MANY_FILES -> problemValue + " files for " + scraped.length + " info hashes";
            case NOT_ASKED -> "scrape reply names an info hash that was not asked for";
            case ENTRY_NOT_A_DICTIONARY -> "scrape entry is not a dictionary";
            case BAD_SCRAPE_COUNT, BAD_SCRAPE_COUNT + 1, BAD_SCRAPE_COUNT + 2 -> "scrape entry without a valid "
                + new String(SCRAPE_KEYS[problem - BAD_SCRAPE_COUNT], StandardCharsets.US_ASCII);
            default -> null;
        };
    }

    private String syntaxMessage() {
        return switch (syntax) {
            case SYNTAX_ENDS_INSIDE -> "ends inside a value";
            case SYNTAX_BAD_NUMBER -> "bad number";
            case SYNTAX_EMPTY_NUMBER -> "empty number";
            case SYNTAX_NEGATIVE_LENGTH -> "negative string length";
            case SYNTAX_PAST_END -> "string of " + syntaxValue + " bytes past the end";
            case SYNTAX_KEY_NOT_STRING -> "dictionary key is not a string";
            case SYNTAX_KEY_TWICE -> "dictionary key \""
                + new String(bytes, syntaxKeyIndex, syntaxKeyLength, StandardCharsets.ISO_8859_1) + "\" twice";
            case SYNTAX_UNEXPECTED -> "unexpected byte 0x" + Long.toHexString(syntaxValue);
            case SYNTAX_TOO_DEEP -> "nested deeper than " + MAX_DEPTH;
            case SYNTAX_TRAILING -> syntaxValue + " bytes after the value";
            default -> "?";
        };
    }

    private boolean syntax(int code, long value) {
        if (syntax == 0) {
            syntax = code;
            syntaxValue = value;
        }
        return false;
    }

    private boolean keyTwice(int keyIndex, int keyLength) {
        syntaxKeyIndex = keyIndex;
        syntaxKeyLength = keyLength;
        return syntax(SYNTAX_KEY_TWICE, 0);
    }

    // ---- the top-level dictionary and the parts that are checked

    private boolean topDictionary() {
        pos++; // 'd'
        while (true) {
            int key = member(TOP_KEYS, seenTop);
            if (key == DICTIONARY_END) return true;
            if (key == FAILED) return false;
            if (key == UNKNOWN) {
                if (!skip(1)) return false;
                continue;
            }
            seenTop |= 1 << key;
            if (!topValue(key)) return false;
        }
    }

    private boolean topValue(int key) {
        if (pos >= end) return syntax(SYNTAX_ENDS_INSIDE, 0);
        byte b = bytes[pos];
        switch (key) {
            case FAILURE_REASON:
                failureLength = -1;
                if (isDigit(b)) {
                    failureLength = string();
                    failureIndex = pos - failureLength;
                    return failureLength >= 0;
                }
                return skip(1);
            case INTERVAL:
                if (b != 'i') return skip(1);
                interval = integer();
                intervalValid = true;
                return interval != NO_NUMBER;
            case COMPLETE:
            case INCOMPLETE: {
                boolean bad;
                if (b == 'i') {
                    long n = integer();
                    if (n == NO_NUMBER) return false;
                    bad = n < 0;
                } else {
                    if (!skip(1)) return false;
                    bad = true;
                }
                if (key == COMPLETE) completeBad = bad;
                else incompleteBad = bad;
                return true;
            }
            case PEERS:
                if (isDigit(b)) {
                    peersBytes = string();
                    return peersBytes >= 0;
                }
                if (b == 'l') {
                    peersList = true;
                    return peerList();
                }
                peersBytes = -2;
                return skip(1);
            case PEERS6:
                if (!isDigit(b)) return skip(1); // peers6Bytes stays -1: not a string
                peers6Bytes = string();
                return peers6Bytes >= 0;
            default: // FILES
                if (b != 'd') return skip(1);
                filesDictionary = true;
                return fileDictionary();
        }
    }

    /** {@code peers} as a list (compact=0): each a dictionary with an ip string and a port 0-65535. */
    private boolean peerList() {
        pos++; // 'l'
        peersBytes = 0;
        while (true) {
            if (pos >= end) return syntax(SYNTAX_ENDS_INSIDE, 0);
            byte b = bytes[pos];
            if (b == 'e') {
                pos++;
                return true;
            }
            peersBytes++;
            if (b != 'd') {
                peerDictionaryBad = true;
                if (!skip(2)) return false;
                continue;
            }
            pos++;
            int seen = 0;
            boolean ip = false;
            boolean port = false;
            while (true) {
                int key = member(PEER_KEYS, seen);
                if (key == DICTIONARY_END) break;
                if (key == FAILED) return false;
                if (key >= 0) seen |= 1 << key;
                byte v = bytes[pos];
                if (key == IP && isDigit(v)) {
                    if (string() < 0) return false;
                    ip = true;
                } else if (key == PORT && v == 'i') {
                    long n = integer();
                    if (n == NO_NUMBER) return false;
                    port = n >= 0 && n <= 65535;
                } else if (!skip(3)) {
                    return false;
                }
            }
            if (!ip || !port) peerDictionaryBad = true;
        }
    }

    /** {@code files} of a scrape reply: 20-byte info hash keys, each a dictionary of counts. */
    private boolean fileDictionary() {
        pos++; // 'd'
        while (true) {
            int keyLength = nextKey();
            if (keyLength == DICTIONARY_END) return true;
            if (keyLength < 0) return false;
            int keyIndex = pos - keyLength;
            files++;
            int asked = keyLength == 20 ? asked(keyIndex) : -1;
            if (asked >= 0) {
                if (seenFile[asked]) return keyTwice(keyIndex, keyLength);
                seenFile[asked] = true;
            } else if (fileProblem == NONE) {
                fileProblem = NOT_ASKED;
            }
            if (pos >= end) return syntax(SYNTAX_ENDS_INSIDE, 0);
            if (bytes[pos] != 'd') {
                if (fileProblem == NONE) fileProblem = ENTRY_NOT_A_DICTIONARY;
                if (!skip(2)) return false;
                continue;
            }
            if (!scrapeEntry()) return false;
        }
    }

    /** Which asked info hash the 20 bytes at {@code index} are, or -1. */
    private int asked(int index) {
        long word0 = (long) word(index) << 32 | word(index + 4) & 0xffffffffL;
        long word1 = (long) word(index + 8) << 32 | word(index + 12) & 0xffffffffL;
        int word2 = word(index + 16);
        for (int i = 0; i < asked0.length; i++) {
            if (asked0[i] == word0 && asked1[i] == word1 && asked2[i] == word2) return i;
        }
        return -1;
    }

    /** The big-endian int at {@code index} of {@link #bytes}. */
    private int word(int index) {
        return bytes[index] << 24 | (bytes[index + 1] & 0xff) << 16 | (bytes[index + 2] & 0xff) << 8 | bytes[index + 3] & 0xff;
    }

    private boolean scrapeEntry() {
        pos++; // 'd'
        int seen = 0;
        int valid = 0;
        while (true) {
            int key = member(SCRAPE_KEYS, seen);
            if (key == DICTIONARY_END) break;
            if (key == FAILED) return false;
            if (key >= 0) seen |= 1 << key;
            if (key >= 0 && bytes[pos] == 'i') {
                long n = integer();
                if (n == NO_NUMBER) return false;
                if (n >= 0) valid |= 1 << key;
            } else if (!skip(3)) {
                return false;
            }
        }
        if (fileProblem == NONE && valid != 7) {
            fileProblem = BAD_SCRAPE_COUNT + Integer.numberOfTrailingZeros(~valid);
        }
        return true;
    }

    // ---- bencode syntax (BEP 3), the old reader's rules

    /** Any value, checked and passed over. */
    private boolean skip(int depth) {
        if (depth > MAX_DEPTH) return syntax(SYNTAX_TOO_DEEP, 0);
        if (pos >= end) return syntax(SYNTAX_ENDS_INSIDE, 0);
        byte b = bytes[pos];
        switch (b) {
            case 'i':
                return integer() != NO_NUMBER;
            case 'l':
            case 'd':
                pos++;
                while (true) { // items, or key-value members: a dictionary's keys are strings
                    if (pos >= end) return syntax(SYNTAX_ENDS_INSIDE, 0);
                    if (bytes[pos] == 'e') {
                        pos++;
                        return true;
                    }
                    if (b == 'd' && key() < 0 || !skip(depth + 1)) return false;
                }
            default:
                if (isDigit(b)) return string() >= 0;
                return syntax(SYNTAX_UNEXPECTED, b & 0xff);
        }
    }

    /**
     * The next key of the dictionary being walked: its length, with {@link #pos} just past it
     * (the key's bytes end there); {@link #DICTIONARY_END} once its closing 'e' is read; or -1
     * (the syntax problem noted) when the body ends inside it or a key is not a string.
     */
    private int nextKey() {
        if (pos >= end) {
            syntax(SYNTAX_ENDS_INSIDE, 0);
            return -1;
        }
        if (bytes[pos] == 'e') {
            pos++;
            return DICTIONARY_END;
        }
        return key();
    }

    /**
     * The next member of a dictionary of known names, up to its value: the key's index in
     * {@code table} ({@link #pos} at the value), {@link #UNKNOWN}, {@link #DICTIONARY_END}, or
     * {@link #FAILED} (the problem noted: no key, a key {@code seen} already has, or the body ends
     * before the value).
     */
    private int member(byte[][] table, int seen) {
        int keyLength = nextKey();
        if (keyLength == DICTIONARY_END) return DICTIONARY_END;
        if (keyLength < 0) return FAILED;
        int key = knownKey(keyLength, table, seen);
        if (key == REPEATED) return FAILED;
        if (pos >= end) {
            syntax(SYNTAX_ENDS_INSIDE, 0);
            return FAILED;
        }
        return key;
    }

    /**
     * The index in {@code table} of the key just read ({@code keyLength} bytes ending at
     * {@link #pos}), -1 when it is none of them, or {@link #REPEATED} (the syntax problem noted)
     * when {@code seen} already has it.
     */
    private int knownKey(int keyLength, byte[][] table, int seen) {
        int keyIndex = pos - keyLength;
        int key = match(keyIndex, keyLength, table);
        if (key >= 0 && (seen & 1 << key) != 0) {
            keyTwice(keyIndex, keyLength);
            return REPEATED;
        }
        return key;
    }

    private int key() {
        if (!isDigit(bytes[pos])) {
            syntax(SYNTAX_KEY_NOT_STRING, 0);
            return -1;
        }
        return string();
    }

    /** A string at {@link #pos} (a digit is there); returns its length and moves past it, or -1. */
    private int string() {
        long length = number(':');
        if (length == NO_NUMBER) return -1;
        if (length < 0) {
            syntax(SYNTAX_NEGATIVE_LENGTH, 0);
            return -1;
        }
        if (length > end - pos) {
            syntax(SYNTAX_PAST_END, length);
            return -1;
        }
        pos += (int) length;
        return (int) length;
    }

    /** An integer {@code i...e} at {@link #pos}; or {@link #NO_NUMBER}. */
    private long integer() {
        pos++; // 'i'
        return number('e');
    }

    /** An optional '-', then 1-18 digits, then {@code stop}; or {@link #NO_NUMBER}. */
    private long number(char stop) {
        if (pos >= end) {
            syntax(SYNTAX_ENDS_INSIDE, 0);
            return NO_NUMBER;
        }
        boolean negative = bytes[pos] == '-';
        if (negative) pos++;
        long value = 0;
        int digits = 0;
        while (true) {
            if (pos >= end) {
                syntax(SYNTAX_ENDS_INSIDE, 0);
                return NO_NUMBER;
            }
            byte b = bytes[pos++];
            if (b == stop) break;
            if (!isDigit(b) || digits == 18) {
                syntax(SYNTAX_BAD_NUMBER, 0);
                return NO_NUMBER;
            }
            value = value * 10 + (b - '0');
            digits++;
        }
        if (digits == 0) {
            syntax(SYNTAX_EMPTY_NUMBER, 0);
            return NO_NUMBER;
        }
        return negative ? -value : value;
    }

    private static boolean isDigit(byte b) {
        return b >= '0' && b <= '9';
    }

    /** Which of {@code keys} the bytes at {@code [index, index + length)} are, or -1. */
    private int match(int index, int length, byte[][] keys) {
        for (int k = 0; k < keys.length; k++) {
            byte[] key = keys[k];
            if (key.length != length) continue;
            int i = 0;
            while (i < length && bytes[index + i] == key[i]) i++;
            if (i == length) return k;
        }
        return -1;
    }
}
