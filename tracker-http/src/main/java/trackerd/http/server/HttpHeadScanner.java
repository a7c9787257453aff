package trackerd.http.server;

import io.netty.buffer.ByteBuf;
import trackerd.http.protocol.Bencode;
import trackerd.net.ByteScan;
import trackerd.net.HeaderNames;

/**
 * Finds and reads an HTTP/1.x request head (RFC 9112) straight from the bytes, so the tracker
 * needs neither Netty's {@code HttpServerCodec} nor its per-request message and header objects:
 * the request line (method, target range, version) and the few headers the tracker acts on
 * ({@code Connection}, {@code Upgrade}, {@code Content-Length}/{@code Transfer-Encoding} to refuse
 * a body, the configured proxy header). Every other header is skipped unread.
 *
 * <p>Lines end with CRLF or a bare LF (RFC 9112 2.2 lets a server accept one); empty lines before
 * the request line are skipped. Never throws on any bytes: every outcome is a status.
 *
 * <p>Limits ({@code http.max_request_bytes}): a head longer than the limit is
 * {@link #URI_TOO_LONG} (414) when the request line alone does not fit, else
 * {@link #HEADERS_TOO_LARGE} (431); either way the server answers and closes.
 *
 * <p>Stateless and thread-safe; the {@link HttpRequestHead} is not.
 */
final class HttpHeadScanner {
    /** A whole head was read into the {@link HttpRequestHead}. */
    static final int OK = 0;
    /** No end of head yet and still within the limit: wait for more bytes. */
    static final int INCOMPLETE = 1;
    /** The request line alone is longer than the limit: 414. */
    static final int URI_TOO_LONG = 2;
    /** Request line plus headers are longer than the limit: 431. */
    static final int HEADERS_TOO_LARGE = 3;
    /** Not an HTTP/1.0 or 1.1 request line, or a header line without a colon, or line folding: 400. */
    static final int BAD_REQUEST = 4;

    /** Bytes of a head copied first: a tracker request's head is 150-400 bytes. */
    private static final int FIRST_COPY = 1024;

    private static final byte[] WEBSOCKET = Bencode.ascii("websocket");
    private static final byte[] HTTP_1_ = Bencode.ascii("HTTP/1.");

    private HttpHeadScanner() {}

    /** Skips the CR and LF bytes a client may send between requests; returns the first other index. */
    static int skipEmptyLines(ByteBuf in, int from, int to) {
        int i = from;
        while (i < to) {
            byte b = in.getByte(i);
            if (b != '\r' && b != '\n') break;
            i++;
        }
        return i;
    }

    /**
     * The index just past the blank line that ends the head starting at {@code from}, or -1.
     *
     * @param searchFrom where to resume a search that already looked at {@code [from, searchFrom)}
     *     of the same bytes without finding the end (pass {@code from} the first time)
     */
    static int findEnd(byte[] in, int from, int searchFrom, int to) {
        int i = Math.max(from, searchFrom - 2); // the blank line may straddle the old end
        while (i < to) {
            int lf = indexOf(in, i, to, (byte) '\n');
            if (lf < 0) return -1;
            // LF LF, or LF CR LF: an empty line
            if (lf > from && (in[lf - 1] == '\n' || (lf - 1 > from && in[lf - 1] == '\r' && in[lf - 2] == '\n'))) {
                return lf + 1;
            }
            i = lf + 1;
        }
        return -1;
    }

    /**
     * Scans the head at {@code from} (the first byte of the request line) in {@code [from, to)}.
     * The bytes (at most {@code maxBytes + 1}) are copied once into {@code out}'s reused array and
     * read there, where a scan costs a fraction of per-byte {@code ByteBuf} calls; every index put
     * into {@code out} is still an index of {@code in}, and {@link HttpRequestHead#bytes} keeps the
     * copy for the target's decoder.
     *
     * @param maxBytes {@code http.max_request_bytes}: most bytes of request line plus headers
     * @param searchFrom where to resume a search that already looked at {@code [from, searchFrom)}
     *     of the same bytes without finding the end (pass {@code from} the first time)
     * @param proxyHeader the lower-case name of the proxy header to locate, or null
     * @return a status constant; on {@link #OK} {@code out} holds the head and {@code out.end}
     */
    static int scan(ByteBuf in, int from, int searchFrom, int to, int maxBytes, byte[] proxyHeader,
                    HttpRequestHead out) {
        out.reset();
        int length = Math.min(to, from + maxBytes + 1) - from;
        // copied in steps (a pipelined read holds many heads: copy what this one needs, not the
        // next max_request_bytes), searching each step for the blank line that ends the head
        int copied = Math.min(length, FIRST_COPY);
        byte[] b = out.bytes(copied);
        in.getBytes(from, b, 0, copied);
        int end = findEnd(b, 0, searchFrom - from, copied);
        while (end < 0 && copied < length) {
            int more = Math.min(length, 2 * copied);
            b = out.bytes(more);
            in.getBytes(from + copied, b, copied, more - copied);
            end = findEnd(b, 0, copied, more);
            copied = more;
        }
        int status = scan(b, end, copied, maxBytes, proxyHeader, out);
        out.start = from;
        out.end += from;
        out.targetFrom += from;
        out.targetTo += from;
        if (out.proxyFrom >= 0) {
            out.proxyFrom += from;
            out.proxyTo += from;
        }
        return status;
    }

    /**
     * {@link #scan(ByteBuf, int, int, int, int, byte[], HttpRequestHead)} on {@code b[0, to)},
     * indexes of b, given {@code end} from {@link #findEnd} (-1: none in {@code b[0, to)}).
     */
    private static int scan(byte[] b, int end, int to, int maxBytes, byte[] proxyHeader, HttpRequestHead out) {
        if (end < 0 || end > maxBytes) {
            if (end < 0 && to <= maxBytes) return INCOMPLETE;
            int lineEnd = indexOf(b, 0, Math.min(to, maxBytes), (byte) '\n');
            return lineEnd < 0 ? URI_TOO_LONG : HEADERS_TOO_LARGE;
        }
        out.end = end;
        int lineEnd = indexOf(b, 0, end, (byte) '\n');
        if (!requestLine(b, 0, trimCr(b, 0, lineEnd), out)) return BAD_REQUEST;
        int line = lineEnd + 1;
        while (line < end) {
            int lf = indexOf(b, line, end, (byte) '\n');
            int stop = trimCr(b, line, lf);
            if (stop == line) break; // the blank line
            if (!header(b, line, stop, proxyHeader, out)) return BAD_REQUEST;
            line = lf + 1;
        }
        return OK;
    }

    private static int indexOf(byte[] b, int from, int to, byte value) {
        return ByteScan.indexOf(b, from, to, value);
    }

    /** The end of a line's content: {@code lf}, or one less when a CR precedes it. */
    private static int trimCr(byte[] in, int from, int lf) {
        return lf > from && in[lf - 1] == '\r' ? lf - 1 : lf;
    }

    /** {@code METHOD SP target SP HTTP/1.x}. */
    private static boolean requestLine(byte[] in, int from, int to, HttpRequestHead out) {
        int sp1 = indexOf(in, from, to, (byte) ' ');
        if (sp1 <= from) return false;
        int sp2 = indexOf(in, sp1 + 1, to, (byte) ' ');
        if (sp2 < 0 || sp2 == sp1 + 1 || to - sp2 - 1 != HTTP_1_.length + 1) return false;
        for (int i = 0; i < HTTP_1_.length; i++) {
            if (in[sp2 + 1 + i] != HTTP_1_[i]) return false;
        }
        byte minor = in[to - 1];
        if (minor != '0' && minor != '1') return false;
        out.minorVersion = minor - '0';
        int methodLength = sp1 - from;
        if (methodLength == 3 && in[from] == 'G' && in[from + 1] == 'E' && in[from + 2] == 'T') {
            out.method = HttpRequestHead.GET;
        } else if (methodLength == 4 && in[from] == 'H' && in[from + 1] == 'E'
                && in[from + 2] == 'A' && in[from + 3] == 'D') {
            out.method = HttpRequestHead.HEAD;
        } else {
            out.method = HttpRequestHead.OTHER_METHOD;
        }
        out.targetFrom = sp1 + 1;
        out.targetTo = sp2;
        return true;
    }

    /** One {@code name: value} line in {@code [from, to)}. */
    private static boolean header(byte[] in, int from, int to, byte[] proxyHeader, HttpRequestHead out) {
        byte first = in[from];
        if (first == ' ' || first == '\t') return false; // obsolete line folding (RFC 9112 5.2)
        int colon = indexOf(in, from, to, (byte) ':');
        if (colon <= from) return false;
        int nameLength = colon - from;
        int v = colon + 1;
        while (v < to && HeaderNames.isSpace(in[v])) v++;
        int vEnd = to;
        while (vEnd > v && HeaderNames.isSpace(in[vEnd - 1])) vEnd--;
        switch (nameLength) {
            case 7:
                if (HeaderNames.matches(in, from, nameLength, HeaderNames.UPGRADE)) {
                    out.upgradeWebSocket |= HeaderNames.hasToken(in, v, vEnd, WEBSOCKET);
                    return true;
                }
                break;
            case 10:
                if (HeaderNames.matches(in, from, nameLength, HeaderNames.CONNECTION)) {
                    out.connectionClose |= HeaderNames.hasToken(in, v, vEnd, HeaderNames.CLOSE);
                    out.connectionKeepAlive |= HeaderNames.hasToken(in, v, vEnd, HeaderNames.KEEP_ALIVE);
                    out.connectionUpgrade |= HeaderNames.hasToken(in, v, vEnd, HeaderNames.UPGRADE);
                    return true;
                }
                break;
            case 14:
                if (HeaderNames.matches(in, from, nameLength, HeaderNames.CONTENT_LENGTH)) {
                    // anything but a run of zeros is a body (or a lie): refused either way
                    for (int i = v; i < vEnd; i++) {
                        if (in[i] != '0') out.hasBody = true;
                    }
                    if (v == vEnd) out.hasBody = true;
                    return true;
                }
                break;
            case 17:
                if (HeaderNames.matches(in, from, nameLength, HeaderNames.TRANSFER_ENCODING)) {
                    out.hasBody = true;
                    return true;
                }
                break;
            default:
                break;
        }
        if (proxyHeader != null && HeaderNames.matches(in, from, nameLength, proxyHeader)) {
            out.proxyFrom = v; // the last line wins: a proxy appends its own line last
            out.proxyTo = vEnd;
        }
        return true;
    }
}
