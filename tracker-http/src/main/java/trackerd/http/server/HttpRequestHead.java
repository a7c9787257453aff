package trackerd.http.server;

/**
 * What {@link HttpHeadScanner} read from one request head: the method, the target's place in the
 * buffer, the version, and only the headers the tracker acts on. Reused for every request of an
 * event loop (one instance per loop, only on its thread); valid until the next scan.
 */
final class HttpRequestHead {
    static final int GET = 1;
    static final int HEAD = 2;
    /** Any other token: answered 405. */
    static final int OTHER_METHOD = 3;

    /** Index of the request line's first byte. */
    int start;
    int method;
    /** The request target: bytes {@code [targetFrom, targetTo)} of the scanned buffer. */
    int targetFrom;
    int targetTo;
    /** 0 for HTTP/1.0, 1 for HTTP/1.1. */
    int minorVersion;
    /** Connection tokens (RFC 9110 7.6.1), case-insensitive. */
    boolean connectionClose;
    boolean connectionKeepAlive;
    boolean connectionUpgrade;
    /** An {@code Upgrade} header naming {@code websocket}. */
    boolean upgradeWebSocket;
    /** A non-zero {@code Content-Length} or any {@code Transfer-Encoding}: a body we refuse. */
    boolean hasBody;
    /** The last line of the configured proxy header: bytes {@code [proxyFrom, proxyTo)}, or -1. */
    int proxyFrom;
    int proxyTo;
    /** Index just past the blank line that ends the head. */
    int end;
    /**
     * The scanned bytes, copied from the buffer: byte {@code i} of the array is byte
     * {@code start + i} of the buffer. Reused; grows to the longest head scanned (at most
     * {@code http.max_request_bytes + 1}).
     */
    byte[] bytes = new byte[1024];

    /** The array for {@code length} bytes, grown if need be with what it holds kept. */
    byte[] bytes(int length) {
        if (bytes.length < length) bytes = java.util.Arrays.copyOf(bytes, Math.max(length, 2 * bytes.length));
        return bytes;
    }

    void reset() {
        start = 0;
        method = 0;
        targetFrom = 0;
        targetTo = 0;
        minorVersion = 1;
        connectionClose = false;
        connectionKeepAlive = false;
        connectionUpgrade = false;
        upgradeWebSocket = false;
        hasBody = false;
        proxyFrom = -1;
        proxyTo = -1;
        end = 0;
    }

    /** HTTP/1.1 unless {@code Connection: close}; HTTP/1.0 only with {@code Connection: keep-alive}. */
    boolean keepAlive() {
        return !connectionClose && (minorVersion == 1 || connectionKeepAlive);
    }

    /** A WebSocket handshake (RFC 6455 4.1): {@code Connection: upgrade} and {@code Upgrade: websocket}. */
    boolean webSocketUpgrade() {
        return upgradeWebSocket && connectionUpgrade;
    }
}
