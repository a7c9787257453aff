package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * WebTorrent on the HTTP port of the real daemon, with a client that goes away without a Close
 * frame (a killed browser tab): its connection, peer and peer id must be released at once, not
 * after the idle timeout. HTTP connections allow half-closure, so the upgraded connection sees
 * the client's FIN as an input shutdown, not as the end of the channel. And one Close frame for a
 * protocol violation, not the frame decoder's and then a second one of Netty's.
 */
@Timeout(60)
class WsOnHttpPortIT {
    static final String ANNOUNCE = "{\"action\":\"announce\",\"info_hash\":\"aaaaaaaaaaaaaaaaaaaa\","
        + "\"peer_id\":\"pppppppppppppppppppp\",\"numwant\":0,\"uploaded\":0,\"downloaded\":0,\"left\":100,"
        + "\"event\":\"started\"}";

    @Test
    void aClientGoneWithoutACloseFrameShouldFreeItsPeerIdAtOnce() throws Exception {
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback("--set", "ws.idle_timeout_seconds=60",
                "--set", "ws.ping_interval_seconds=30")) {
            int port = tracker.port("http");
            try (Socket first = upgrade(port)) {
                send(first.getOutputStream(), ANNOUNCE);
                String reply = readText(first.getInputStream());
                assertTrue(reply.contains("\"interval\""), reply);
                first.shutdownOutput(); // FIN without a Close frame; the socket stays open for reading
                // the tracker closes its side too (a Close frame may come first: it is not read back)
                // (readAllBytes returns at the end of the stream; the socket's 10 s timeout fails it otherwise)
                first.getInputStream().readAllBytes();
            }
            // the same peer id from a new connection: refused while the old one still held it
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            String reply;
            do {
                try (Socket second = upgrade(port)) {
                    send(second.getOutputStream(), ANNOUNCE);
                    reply = readText(second.getInputStream());
                }
                if (!reply.contains("failure reason")) break;
                TimeUnit.MILLISECONDS.sleep(50); // bounded by the deadline
            } while (System.nanoTime() - deadline < 0);
            assertTrue(reply.contains("\"interval\""), "the peer id is free again: " + reply);
        }
    }

    @Test
    void aProtocolViolationShouldGetOneCloseFrameWith1002() throws Exception {
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback();
             Socket socket = upgrade(tracker.port("http"))) {
            byte[] payload = ANNOUNCE.getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream unmasked = new ByteArrayOutputStream(); // clients must mask (RFC 6455 5.1)
            unmasked.write(0x81);
            unmasked.write(126);
            unmasked.write(payload.length >>> 8);
            unmasked.write(payload.length & 0xFF);
            unmasked.write(payload);
            socket.getOutputStream().write(unmasked.toByteArray());
            byte[] all = socket.getInputStream().readAllBytes(); // to the tracker's close
            int closes = 0;
            int code = -1;
            for (int at = 0; at + 2 <= all.length; ) {
                int opcode = all[at] & 0x0F;
                int length = all[at + 1] & 0x7F;
                int header = 2;
                if (length == 126) {
                    length = ((all[at + 2] & 0xFF) << 8) | (all[at + 3] & 0xFF);
                    header = 4;
                }
                if (opcode == 0x8) {
                    closes++;
                    if (code < 0) code = ((all[at + header] & 0xFF) << 8) | (all[at + header + 1] & 0xFF);
                }
                at += header + length;
            }
            assertEquals(1, closes, "one Close frame, not the decoder's and then a 1000 of Netty's");
            assertEquals(1002, code);
        }
    }

    static Socket upgrade(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        byte[] key = new byte[16];
        ThreadLocalRandom.current().nextBytes(key);
        socket.getOutputStream().write(("GET /announce HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
            + "Connection: Upgrade\r\nSec-WebSocket-Key: " + Base64.getEncoder().encodeToString(key)
            + "\r\nSec-WebSocket-Version: 13\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) throw new IOException("closed during the handshake: " + head);
            head.write(b);
        }
        assertTrue(head.toString(StandardCharsets.US_ASCII).startsWith("HTTP/1.1 101"), head.toString());
        return socket;
    }

    /** One masked text frame (RFC 6455 5.2), its length in 7 or 16 bits. */
    static void send(OutputStream out, String text) throws IOException {
        byte[] payload = text.getBytes(StandardCharsets.UTF_8);
        byte[] mask = {1, 2, 3, 4};
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        frame.write(0x81);
        if (payload.length < 126) {
            frame.write(0x80 | payload.length);
        } else {
            frame.write(0x80 | 126);
            frame.write(payload.length >>> 8);
            frame.write(payload.length & 0xFF);
        }
        frame.write(mask);
        for (int i = 0; i < payload.length; i++) frame.write(payload[i] ^ mask[i & 3]);
        out.write(frame.toByteArray());
        out.flush();
    }

    /** The next text frame's payload (server frames are unmasked; short ones only). */
    static String readText(InputStream in) throws IOException {
        int b0 = in.read();
        int length = in.read() & 0x7F;
        if (length == 126) length = (in.read() << 8) | in.read();
        byte[] payload = in.readNBytes(length);
        assertEquals(0x81, b0, "a final text frame");
        return new String(payload, StandardCharsets.UTF_8);
    }
}
