package trackerd.http.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import trackerd.http.protocol.Bencode;

/**
 * Response heads, written with the body into one exactly sized buffer. Every response has
 * {@code Content-Type: text/plain} and {@code Content-Length}; a HEAD request gets the same head
 * and no body. The status lines and header runs are constants; only the length is written digit
 * by digit. Stateless and thread-safe.
 *
 * <pre>
 * HTTP/1.1 200 OK\r\n
 * Content-Type: text/plain\r\n
 * Content-Length: 123\r\n
 * [Connection: close\r\n | Connection: keep-alive\r\n (HTTP/1.0 keep-alive)]
 * \r\n
 * body
 * </pre>
 */
final class HttpResponses {
    static final int OK = 0;
    static final int BAD_REQUEST = 1;
    static final int NOT_FOUND = 2;
    static final int METHOD_NOT_ALLOWED = 3;
    static final int CONTENT_TOO_LARGE = 4;
    static final int URI_TOO_LONG = 5;
    static final int HEADERS_TOO_LARGE = 6;

    /** No Connection header: HTTP/1.1 keep-alive. */
    static final int KEEP_ALIVE = 0;
    /** {@code Connection: close}: the connection closes after this response. */
    static final int CLOSE = 1;
    /** {@code Connection: keep-alive}: an HTTP/1.0 client that asked for it. */
    static final int KEEP_ALIVE_1_0 = 2;

    private static final byte[][] STATUS = {
        head("200 OK", ""),
        head("400 Bad Request", ""),
        head("404 Not Found", ""),
        head("405 Method Not Allowed", "Allow: GET, HEAD\r\n"),
        head("413 Content Too Large", ""),
        head("414 URI Too Long", ""),
        head("431 Request Header Fields Too Large", ""),
    };
    private static final byte[][] CONNECTION = {
        Bencode.ascii("\r\n\r\n"),
        Bencode.ascii("\r\nConnection: close\r\n\r\n"),
        Bencode.ascii("\r\nConnection: keep-alive\r\n\r\n"),
    };

    /** Plain-text bodies of the statuses that are not tracker answers. */
    static final byte[] BAD_REQUEST_BODY = Bencode.ascii("malformed HTTP request\n");
    static final byte[] METHOD_NOT_ALLOWED_BODY = Bencode.ascii("use GET\n");
    static final byte[] CONTENT_TOO_LARGE_BODY = Bencode.ascii("a tracker request has no body\n");
    static final byte[] URI_TOO_LONG_BODY = Bencode.ascii("request line too long\n");
    static final byte[] HEADERS_TOO_LARGE_BODY = Bencode.ascii("request headers too large\n");
    static final byte[] HEALTH_BODY = Bencode.ascii("ok");
    static final byte[] WEBSOCKET_NOT_ENABLED_BODY = Bencode.ascii("websocket not enabled on this address\n");

    private HttpResponses() {}

    private static byte[] head(String status, String extra) {
        return Bencode.ascii("HTTP/1.1 " + status + "\r\n" + extra + "Content-Type: text/plain\r\nContent-Length: ");
    }

    /** Bytes of the head alone. */
    static int headLength(int status, int bodyLength, int connection) {
        return STATUS[status].length + Bencode.decimalLength(bodyLength) + CONNECTION[connection].length;
    }

    /**
     * The answer {@code seq}'s buffer ({@link HttpExchange#answerBuffer}) holding the head, with
     * room for exactly {@code bodyBytesToFollow} more bytes.
     *
     * @param bodyLength what Content-Length says
     * @param bodyBytesToFollow the body's length, or 0 for a HEAD request
     */
    static ByteBuf start(HttpExchange x, long seq, int status, int bodyLength, int bodyBytesToFollow, int connection) {
        int length = headLength(status, bodyLength, connection) + bodyBytesToFollow;
        return writeHead(x.answerBuffer(seq, length), status, bodyLength, connection);
    }

    /** A pooled buffer holding only the head (for a body that is not copied). */
    static ByteBuf head(ByteBufAllocator alloc, int status, int bodyLength, int connection) {
        int length = headLength(status, bodyLength, connection);
        return writeHead(alloc.buffer(length, length), status, bodyLength, connection);
    }

    private static ByteBuf writeHead(ByteBuf out, int status, int bodyLength, int connection) {
        out.writeBytes(STATUS[status]);
        Bencode.writeDecimal(out, bodyLength);
        out.writeBytes(CONNECTION[connection]);
        return out;
    }

    /** A whole response with a constant body (omitted when {@code head}), as the answer {@code seq}. */
    static ByteBuf whole(HttpExchange x, long seq, int status, byte[] body, boolean head, int connection) {
        ByteBuf out = start(x, seq, status, body.length, head ? 0 : body.length, connection);
        if (!head) out.writeBytes(body);
        return out;
    }
}
