package trackerd.http.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/**
 * A blocking HTTP/1.x client over a plain socket, for tests: writes raw request bytes (so tests
 * control every byte, pipelining included) and reads responses by their Content-Length.
 */
final class HttpTestClient implements AutoCloseable {
    /** One response: status code, head as text, body bytes (as Latin-1 text for comparisons). */
    record Response(int status, String head, String body) {
        boolean hasHeader(String line) {
            return head.contains("\r\n" + line + "\r\n");
        }
    }

    final Socket socket;
    private final InputStream in;
    private final OutputStream out;

    HttpTestClient(InetSocketAddress address) throws IOException {
        socket = new Socket();
        socket.connect(address, 5_000);
        socket.setSoTimeout(10_000);
        in = socket.getInputStream();
        out = socket.getOutputStream();
    }

    /** {@code info_hash} or {@code peer_id} bytes as %XX for every byte. */
    static String percent(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) s.append('%').append(HexFormat.of().toHexDigits(b));
        return s.toString();
    }

    static String peerId(int n) {
        return String.format("-TT0001-%012d", n);
    }

    static String announceTarget(byte[] hash, int n, int port, long left, String extra) {
        return "/announce?info_hash=" + percent(hash) + "&peer_id=" + peerId(n) + "&port=" + port + "&left=" + left
            + extra;
    }

    static String rawGet(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: tracker\r\n\r\n";
    }

    void send(String raw) throws IOException {
        out.write(raw.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    Response request(String raw) throws IOException {
        send(raw);
        return read();
    }

    Response get(String target, String... headers) throws IOException {
        StringBuilder s = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: tracker\r\n");
        for (String h : headers) s.append(h).append("\r\n");
        return request(s.append("\r\n").toString());
    }

    /** The next response; throws if the connection ends first. */
    Response read() throws IOException {
        String head = readHead();
        if (head == null) throw new IOException("connection closed before a response");
        int status = Integer.parseInt(head.substring(9, 12));
        int length = -1;
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) length = Integer.parseInt(line.substring(15).trim());
        }
        if (length < 0) throw new IOException("no Content-Length in " + head);
        byte[] body = in.readNBytes(length);
        if (body.length != length) throw new IOException("body cut short");
        return new Response(status, head, new String(body, StandardCharsets.ISO_8859_1));
    }

    /** A HEAD request's response: the head only. */
    Response readHeadOnly() throws IOException {
        String head = readHead();
        return new Response(Integer.parseInt(head.substring(9, 12)), head, "");
    }

    private String readHead() throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        while (matched < 4) {
            int b = in.read();
            if (b < 0) return null;
            head.write(b);
            matched = (b == '\r' && (matched == 0 || matched == 2)) || (b == '\n' && (matched == 1 || matched == 3))
                ? matched + 1 : (b == '\r' ? 1 : 0);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
    }

    /** True when the server closed the connection (EOF) before sending anything more. */
    boolean closedByServer() throws IOException {
        try {
            return in.read() < 0;
        } catch (java.net.SocketException e) {
            return true; // reset: closed too
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
