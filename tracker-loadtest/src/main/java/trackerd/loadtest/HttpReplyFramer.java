package trackerd.loadtest;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.nio.charset.StandardCharsets;
import trackerd.net.ByteScan;
import trackerd.net.HeaderNames;

/**
 * Cuts HTTP/1.x replies (RFC 9112) out of a connection's bytes for the http mode and hands each
 * to a {@link Listener} in place: status code, whether the tracker closes after it, and where its
 * body lies in the buffer. It replaces Netty's {@code HttpResponseDecoder} + aggregator, which
 * built a response object, a header map and an aggregated body per reply: the load tester must
 * cost less per reply than the tracker it measures.
 *
 * <p><b>Framing.</b> The status line {@code HTTP/1.x SP 3DIGIT [SP reason]}, header lines up to an
 * empty line (CRLF or a bare LF), then the body: {@code Content-Length} bytes; with no
 * {@code Content-Length} the body runs until the tracker closes (RFC 9112 6.3, a close-delimited
 * reply). Only three headers matter: {@code Content-Length}, {@code Connection} ({@code close},
 * {@code keep-alive}) and {@code Transfer-Encoding} (refused: no tracker we drive sends chunked
 * replies). A reply closes the connection on {@code Connection: close}, on HTTP/1.0 without
 * {@code Connection: keep-alive}, and when close-delimited. 1xx replies are skipped; 204 and 304
 * have no body.
 *
 * <p><b>Buffers.</b> Each reply is copied once into an array the framer keeps (head first, up to
 * its limit, then the whole reply), which the head parser and then the listener read: no
 * allocation per reply. Netty's buffer is kept in a cumulation only when a reply is split across
 * reads (or is close-delimited). Several replies in one read are handed over one after the other.
 *
 * <p><b>Errors.</b> Bad bytes never throw: the listener hears {@link Listener#malformed} once
 * (with a reason made only then) and every later byte of the connection is dropped.
 *
 * <p>One instance per connection, used only on its event loop.
 */
final class HttpReplyFramer extends ChannelInboundHandlerAdapter {
    /** A head (status line and headers) longer than this is malformed. */
    static final int MAX_HEAD_BYTES = 8192;
    /** A body longer than this is malformed (what the aggregator allowed before). */
    static final int MAX_BODY_BYTES = 1 << 20;


    /** parseHead results besides a head length. */
    private static final int INCOMPLETE = 0;
    private static final int MALFORMED = -1;

    /** Receives the replies of one connection, on its event loop. */
    interface Listener {
        /**
         * One whole reply; {@code reply}'s accessors describe it during this call only. Returns
         * false when the listener closed the connection: the rest of the bytes are dropped.
         */
        boolean reply(HttpReplyFramer reply);

        /** Bytes that are not an HTTP reply, once per connection; the listener closes it. */
        void malformed(String reason);
    }

    private final Listener listener;
    private Channel channel;
    /** Bytes of a reply split across reads, or null. */
    private ByteBuf cumulation;
    /** Malformed, or the tracker said it closes: whatever follows is dropped. */
    private boolean done;

    /**
     * The reply being framed, copied from the buffer once (at most its head's limit before the
     * head is known, the whole reply after): the head and then the body checker read an array,
     * a third of the cost of ByteBuf.getByte's checked reads. Reused for every reply.
     */
    private byte[] bytes = new byte[2048];
    // the reply being handed over (valid during Listener.reply); indexes into bytes
    private int status;
    private int reasonIndex;
    private int reasonEnd;
    private int bodyIndex;
    private int bodyLength;
    private boolean closes;
    // head facts while parsing
    private long contentLength;
    private boolean http10;
    private boolean connectionClose;
    private boolean connectionKeepAlive;
    private String problem;

    HttpReplyFramer(Listener listener) {
        this.listener = listener;
    }

    /** The connection the reply came on (a listener that moved on to another one ignores it). */
    Channel channel() {
        return channel;
    }

    /** The status code, 200-599. */
    int status() {
        return status;
    }

    /** The status code and reason phrase as sent ("404 Not Found"); builds a String, for error reports. */
    String statusText() {
        return status + (reasonEnd > reasonIndex
            ? " " + new String(bytes, reasonIndex, reasonEnd - reasonIndex, StandardCharsets.ISO_8859_1) : "");
    }

    /** Whether the tracker closes the connection after this reply. */
    boolean closes() {
        return closes;
    }

    /** The array that holds the reply (do not keep it: the next reply overwrites it). */
    byte[] bytes() {
        return bytes;
    }

    /** The body's first index in {@link #bytes()}. */
    int bodyIndex() {
        return bodyIndex;
    }

    int bodyLength() {
        return bodyLength;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        channel = ctx.channel();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (done) {
            in.release();
            return;
        }
        if (cumulation == null) {
            frame(ctx, in, false);
            if (in.isReadable() && !done) { // a split reply: keep its bytes for the next read
                cumulation = ctx.alloc().buffer(Math.max(1024, 2 * in.readableBytes()));
                cumulation.writeBytes(in);
            }
            in.release();
        } else {
            cumulation.discardSomeReadBytes();
            cumulation.writeBytes(in);
            in.release();
            frame(ctx, cumulation, false);
            if (cumulation != null && !cumulation.isReadable()) releaseCumulation();
        }
    }

    /** A close-delimited reply ends here; a reply cut short is left to the session (it knows what was asked). */
    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (cumulation != null && !done) frame(ctx, cumulation, true);
        releaseCumulation();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        releaseCumulation();
    }

    private void releaseCumulation() {
        if (cumulation != null) {
            cumulation.release();
            cumulation = null;
        }
    }

    /** Hands over every whole reply in {@code in}, advancing its reader index past each. */
    private void frame(ChannelHandlerContext ctx, ByteBuf in, boolean atClose) {
        while (!done && in.isReadable()) {
            int start = in.readerIndex();
            int available = in.writerIndex() - start;
            int copied = copy(in, start, Math.min(available, MAX_HEAD_BYTES + 1));
            int head = parseHead(copied);
            if (head == MALFORMED) {
                fail(problem);
                return;
            }
            if (head == INCOMPLETE) {
                if (atClose) return; // cut short: the session counts the lost request
                if (copied > MAX_HEAD_BYTES) fail("reply head over " + MAX_HEAD_BYTES + " bytes");
                return;
            }
            if (status < 200) { // 1xx: an interim reply without a body, the real one follows
                in.readerIndex(start + head);
                continue;
            }
            long length = status == 204 || status == 304 ? 0 : contentLength;
            boolean closeDelimited = length < 0;
            if (closeDelimited) {
                if (available - head > MAX_BODY_BYTES) {
                    fail("close-delimited body over " + MAX_BODY_BYTES + " bytes");
                    return;
                }
                if (!atClose) return; // the body ends when the tracker closes
                length = available - head;
            } else if (available - head < length) {
                return;
            }
            int total = head + (int) length;
            if (total > copied) copy(in, start, total);
            bodyIndex = head;
            bodyLength = (int) length;
            closes = closeDelimited || connectionClose || (http10 && !connectionKeepAlive);
            in.readerIndex(start + total);
            if (!listener.reply(this) || closes) {
                done = true;
                in.skipBytes(in.readableBytes());
            }
        }
    }

    /** Copies {@code length} bytes from {@code index} of {@code in} to the start of {@link #bytes}; returns length. */
    private int copy(ByteBuf in, int index, int length) {
        if (bytes.length < length) bytes = new byte[Math.max(length, 2 * bytes.length)];
        in.getBytes(index, bytes, 0, length);
        return length;
    }

    private void fail(String reason) {
        done = true;
        releaseCumulation();
        listener.malformed(reason);
    }

    /**
     * Parses the head at the start of {@link #bytes}, of which {@code end} bytes have arrived,
     * into this object's fields. Returns its length in bytes (through the empty line),
     * {@link #INCOMPLETE} when its end has not arrived, or {@link #MALFORMED} with
     * {@link #problem} set.
     */
    private int parseHead(int end) {
        byte[] in = bytes;
        // status line: "HTTP/1." DIGIT SP 3DIGIT (SP reason)? CRLF; checked as far as it has arrived
        int have = Math.min(end, 12);
        for (int i = 0; i < have; i++) {
            byte b = in[i];
            boolean ok = switch (i) {
                case 0 -> b == 'H';
                case 1, 2 -> b == 'T';
                case 3 -> b == 'P';
                case 4 -> b == '/';
                case 5 -> b == '1';
                case 6 -> b == '.';
                case 8 -> b == ' ';
                default -> b >= '0' && b <= '9'; // 7: minor version, 9-11: status code
            };
            if (!ok) return malformed("status line does not start with \"HTTP/1.x NNN\"");
        }
        if (have < 12) return INCOMPLETE;
        int lineEnd = ByteScan.indexOf(in, 12, end, (byte) '\n');
        if (lineEnd < 0) return INCOMPLETE;
        byte after = in[12];
        if (after != ' ' && after != '\r' && after != '\n') return malformed("status code of more than three digits");
        http10 = in[7] == '0';
        status = (in[9] - '0') * 100 + (in[10] - '0') * 10 + (in[11] - '0');
        if (status < 100 || status > 599) return malformed("status code " + status);
        reasonIndex = after == ' ' ? 13 : 12;
        reasonEnd = lineEnd > reasonIndex && in[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
        contentLength = -1;
        connectionClose = false;
        connectionKeepAlive = false;
        for (int line = lineEnd + 1; ; ) {
            int next = ByteScan.indexOf(in, line, end, (byte) '\n');
            if (next < 0) return INCOMPLETE;
            int stop = next > line && in[next - 1] == '\r' ? next - 1 : next;
            if (stop == line) return next + 1; // the empty line ends the head
            if (!header(in, line, stop)) return MALFORMED;
            line = next + 1;
        }
    }

    /** One header line {@code [line, stop)} without its line end; false when malformed. */
    private boolean header(byte[] in, int line, int stop) {
        byte first = in[line];
        if (first == ' ' || first == '\t') return true; // obsolete line folding: a continuation of a header we ignore
        int colon = ByteScan.indexOf(in, line, stop, (byte) ':');
        if (colon < 0) return bad("header line without a colon");
        int value = colon + 1;
        while (value < stop && HeaderNames.isSpace(in[value])) value++;
        int valueEnd = stop;
        while (valueEnd > value && HeaderNames.isSpace(in[valueEnd - 1])) valueEnd--;
        if (HeaderNames.matches(in, line, colon - line, HeaderNames.CONTENT_LENGTH)) {
            long length = 0;
            if (value == valueEnd) return bad("empty Content-Length");
            for (int i = value; i < valueEnd; i++) {
                byte b = in[i];
                if (b < '0' || b > '9') return bad("Content-Length is not a number");
                length = length * 10 + (b - '0');
                if (length > MAX_BODY_BYTES) return bad("Content-Length over " + MAX_BODY_BYTES);
            }
            if (contentLength >= 0 && contentLength != length) return bad("two different Content-Lengths");
            contentLength = length;
        } else if (HeaderNames.matches(in, line, colon - line, HeaderNames.CONNECTION)) {
            connectionClose |= HeaderNames.hasToken(in, value, valueEnd, HeaderNames.CLOSE);
            connectionKeepAlive |= HeaderNames.hasToken(in, value, valueEnd, HeaderNames.KEEP_ALIVE);
        } else if (HeaderNames.matches(in, line, colon - line, HeaderNames.TRANSFER_ENCODING)) {
            return bad("Transfer-Encoding (chunked replies are not read)");
        }
        return true;
    }

    private int malformed(String reason) {
        problem = reason;
        return MALFORMED;
    }

    private boolean bad(String reason) {
        problem = reason;
        return false;
    }
}
