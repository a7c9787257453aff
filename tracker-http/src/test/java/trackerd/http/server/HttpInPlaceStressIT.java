package trackerd.http.server;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static trackerd.http.server.HttpTestClient.announceTarget;
import static trackerd.http.server.HttpTestClient.percent;
import static trackerd.http.server.HttpTestClient.rawGet;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Answers written in place (HttpSendBuffer) against hostile clients: pipelines the client does not
 * read until the socket buffers are full, resets and half-closes, error statuses mixed in; the byte
 * stream must be the one the pooled path (NIO) gives for the same requests.
 */
@Timeout(120)
class HttpInPlaceStressIT {
    private static final byte[] HASH = HexFormat.of().parseHex("0123456789abcdef0123456789abcdef01234567");

    /** 64 hashes per scrape: an answer of a few KiB, so the socket fills after few answers. */
    private static String bigScrape(int salt) {
        StringBuilder s = new StringBuilder("/scrape?");
        for (int i = 0; i < 64; i++) {
            if (i > 0) s.append('&');
            s.append("info_hash=").append(percent(HexFormat.of().parseHex(String.format("%08x%032x", salt, i + 1L))));
        }
        return s.toString();
    }

    /** The requests, and which of them are HEAD (no body follows their head). */
    private record Script(String bytes, List<Boolean> headOnly) {
    }

    private static Script script(int rounds, String last) {
        StringBuilder s = new StringBuilder();
        List<Boolean> head = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            s.append(rawGet(announceTarget(HASH, i, 1000 + i, 10, "&numwant=0"))); head.add(false);
            s.append(rawGet(bigScrape(i % 3))); head.add(false);
            s.append("HEAD ").append(bigScrape(1)).append(" HTTP/1.1\r\nHost: t\r\n\r\n"); head.add(true);
            s.append(rawGet("/nope")); head.add(false);
            s.append("DELETE /announce HTTP/1.1\r\nHost: t\r\n\r\n"); head.add(false);
            s.append("HEAD /health HTTP/1.1\r\n\r\n"); head.add(true);
            s.append(rawGet("/health")); head.add(false);
        }
        s.append(last); head.add(false);
        return new Script(s.toString(), head);
    }

    /** Sends the script (from another thread), reads nothing until it is all sent or stuck, then reads to EOF. */
    private static byte[] exchange(InetSocketAddress address, String request, boolean halfClose) throws Exception {
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(2048); // before connect: a small window, so the server's sends hit EAGAIN
            socket.connect(address, 5_000);
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            CompletableFuture<Void> sent = CompletableFuture.runAsync(() -> {
                try {
                    byte[] bytes = request.getBytes(StandardCharsets.ISO_8859_1);
                    for (int i = 0; i < bytes.length; i += 1000) out.write(bytes, i, Math.min(1000, bytes.length - i));
                    out.flush();
                    if (halfClose) socket.shutdownOutput();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            try {
                sent.get(3, TimeUnit.SECONDS);
            } catch (java.util.concurrent.TimeoutException stuck) {
                // the server stopped reading (answers waiting): read now, the sender finishes
            }
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            for (int n; (n = in.read(chunk)) >= 0; ) all.write(chunk, 0, n);
            sent.get(10, TimeUnit.SECONDS);
            return all.toByteArray();
        }
    }

    /** Splits the stream by Content-Length; each head must be a status line. */
    private static List<String> split(byte[] stream, List<Boolean> headOnly) {
        String s = new String(stream, StandardCharsets.ISO_8859_1);
        List<String> answers = new ArrayList<>();
        int at = 0;
        for (int i = 0; at < s.length(); i++) {
            assertTrue(s.startsWith("HTTP/1.", at), "answer " + i + " at " + at + ": " + s.substring(at, Math.min(s.length(), at + 80)));
            int end = s.indexOf("\r\n\r\n", at);
            assertTrue(end > 0, "answer " + i + " has a whole head");
            String head = s.substring(at, end + 2);
            int cl = head.indexOf("Content-Length: ");
            int length = Integer.parseInt(head.substring(cl + 16, head.indexOf("\r\n", cl)));
            int next = end + 4 + (i < headOnly.size() && headOnly.get(i) ? 0 : length);
            assertTrue(next <= s.length(), "answer " + i + " complete");
            answers.add(s.substring(at, next));
            at = next;
        }
        return answers;
    }

    private static String closingHealth() {
        return "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n";
    }

    private byte[] run(TestHttpTracker tracker, Script script, int limit, boolean halfClose) throws Exception {
        if (limit > 0) tracker.http.limitInPlaceSendsForTests(limit);
        byte[] got = exchange(tracker.http.addresses().get(0), script.bytes(), halfClose);
        List<String> answers = split(got, script.headOnly());
        assertEquals(script.headOnly().size(), answers.size(), "every request answered");
        return got;
    }

    @Test
    void aPipelineReadLateShouldGetTheSameBytesInPlaceAsPooled() throws Exception {
        Script script = script(40, closingHealth());
        byte[] pooled;
        try (TestHttpTracker nio = new TestHttpTracker(true, null)) {
            pooled = run(nio, script, 0, false);
        }
        String[][] layouts = {{"workers.socket_workers=1", "workers.swarm_workers=0"},
            {"workers.socket_workers=1", "workers.swarm_workers=2"}, {}};
        for (String[] layout : layouts) {
            for (int limit : new int[] {0, 7}) {
                for (boolean halfClose : new boolean[] {false, true}) {
                    try (LeakWatch leaks = new LeakWatch(); TestHttpTracker epoll = new TestHttpTracker(layout)) {
                        byte[] got = run(epoll, script, limit, halfClose);
                        assertArrayEquals(pooled, got, List.of(layout) + " limit " + limit + " half-close " + halfClose);
                        assertTrue(epoll.http.inPlaceSends()[0] > 0, "in place");
                        assertEquals(List.of(), leaks.leaks());
                    }
                }
            }
        }
    }

    @Test
    void aPipelineEndingInAStreamErrorShouldBeAnsweredWholeThenClosed() throws Exception {
        String[] lasts = {"GET /x HTTP/1.1\r\n\0bad\r\n\r\n", "GET /" + "a".repeat(20_000) + " HTTP/1.1\r\n\r\n",
            "GET /x HTTP/1.1\r\nX: " + "b".repeat(20_000) + "\r\n\r\n", "GET /x HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello"};
        for (String last : lasts) {
            Script script = script(20, last);
            byte[] pooled;
            try (TestHttpTracker nio = new TestHttpTracker(true, null)) {
                pooled = run(nio, script, 0, false);
            }
            for (String[] layout : new String[][] {{"workers.socket_workers=1", "workers.swarm_workers=0"}, {"workers.socket_workers=1"}}) {
                try (LeakWatch leaks = new LeakWatch(); TestHttpTracker epoll = new TestHttpTracker(layout)) {
                    assertArrayEquals(pooled, run(epoll, script, 5, false), List.of(layout) + " " + last.substring(0, 12));
                    assertEquals(List.of(), leaks.leaks());
                }
            }
        }
    }

    @Test
    void connectionsResetWhileTheirAnswersWaitShouldNotDisturbTheOthersOnTheLoop() throws Exception {
        // one loop: answers of the four connections come back in the same swarm batches (handovers)
        for (int limit : new int[] {0, 7}) {
            try (LeakWatch leaks = new LeakWatch(); TestHttpTracker tracker = new TestHttpTracker("workers.socket_workers=1")) {
                if (limit > 0) tracker.http.limitInPlaceSendsForTests(limit);
                Script script = script(12, closingHealth());
                List<Socket> resets = new ArrayList<>();
                List<CompletableFuture<byte[]>> readers = new ArrayList<>();
                for (int c = 0; c < 4; c++) {
                    if (c % 2 == 0) {
                        Socket s = new Socket();
                        s.setReceiveBufferSize(2048);
                        s.connect(tracker.http.addresses().get(0), 5_000);
                        s.getOutputStream().write(script.bytes().getBytes(StandardCharsets.ISO_8859_1), 0, 40_000);
                        resets.add(s);
                    } else {
                        readers.add(CompletableFuture.supplyAsync(() -> {
                            try {
                                return exchange(tracker.http.addresses().get(0), script.bytes(), false);
                            } catch (Exception e) {
                                throw new RuntimeException(e);
                            }
                        }));
                    }
                }
                for (Socket s : resets) {
                    s.setSoLinger(true, 0); // RST, whatever of its answers is in the send buffer or half-sent
                    s.close();
                }
                for (CompletableFuture<byte[]> reader : readers) {
                    // both announce on one swarm at once: counts differ, the sequence of answers not
                    List<String> answers = split(reader.get(60, TimeUnit.SECONDS), script.headOnly());
                    assertEquals(script.headOnly().size(), answers.size());
                    for (int i = 0; i + 7 < answers.size(); i += 7) {
                        assertTrue(answers.get(i).contains("8:intervali1800e"), answers.get(i));
                        assertTrue(answers.get(i + 3).startsWith("HTTP/1.1 404"), answers.get(i + 3));
                        assertTrue(answers.get(i + 4).startsWith("HTTP/1.1 405"), answers.get(i + 4));
                    }
                }
                try (HttpTestClient client = new HttpTestClient(tracker.http.addresses().get(0))) {
                    assertEquals("ok", client.get("/health").body());
                }
                assertEquals(List.of(), leaks.leaks());
            }
        }
    }

    @Test
    void fullScrapesPipelinedBetweenAnnouncesShouldKeepTheirPlace() throws Exception {
        String[][] layouts = {{"workers.socket_workers=1", "workers.swarm_workers=0"}, {"workers.socket_workers=1"}};
        for (String[] layout : layouts) {
            List<String> sets = new ArrayList<>(List.of(layout));
            sets.add("http.full_scrape=true");
            sets.add("http.full_scrape_max_age_seconds=1");
            try (LeakWatch leaks = new LeakWatch(); TestHttpTracker tracker = new TestHttpTracker(sets.toArray(String[]::new))) {
                tracker.http.limitInPlaceSendsForTests(11);
                StringBuilder s = new StringBuilder();
                List<Boolean> head = new ArrayList<>();
                for (int i = 0; i < 30; i++) {
                    s.append(rawGet(announceTarget(HASH, i, 1000 + i, 10, "&numwant=0"))); head.add(false);
                    s.append(rawGet("/scrape")); head.add(false);
                    s.append("HEAD /scrape HTTP/1.1\r\n\r\n"); head.add(true);
                    s.append(rawGet("/nope")); head.add(false);
                }
                s.append(closingHealth()); head.add(false);
                List<String> answers = split(exchange(tracker.http.addresses().get(0), s.toString(), true), head);
                assertEquals(head.size(), answers.size());
                for (int i = 0; i < 30; i++) {
                    assertTrue(answers.get(4 * i).contains("10:incompletei" + (i + 1) + "e"), answers.get(4 * i));
                    String full = answers.get(4 * i + 1);
                    assertTrue(full.contains("\r\n\r\nd5:filesd") || full.contains("failure reason"), full);
                    assertTrue(answers.get(4 * i + 2).endsWith("\r\n\r\n"), "HEAD: no body");
                    assertTrue(answers.get(4 * i + 3).startsWith("HTTP/1.1 404"));
                }
                assertEquals(List.of(), leaks.leaks());
            }
        }
    }

    @Test
    void aWebSocketUpgradeAfterKeepAliveAnswersShouldFollowThemOnTheWire() throws Exception {
        WebSocketDoor echo = (http, request) -> http.pipeline().addAfter(http.name(), "echo",
            new io.netty.channel.ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(io.netty.channel.ChannelHandlerContext ctx, Object msg) {
                    ctx.writeAndFlush(msg);
                }
            });
        for (int limit : new int[] {0, 7}) {
            try (LeakWatch leaks = new LeakWatch(); TestHttpTracker tracker = new TestHttpTracker(false, echo, "workers.socket_workers=1")) {
                if (limit > 0) tracker.http.limitInPlaceSendsForTests(limit);
                Script script = script(10, "");
                String upgrade = "GET /announce HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
                try (HttpTestClient client = new HttpTestClient(tracker.http.addresses().get(0))) {
                    client.send(script.bytes());
                    for (int i = 0; i < script.headOnly().size() - 1; i++) {
                        if (script.headOnly().get(i)) client.readHeadOnly(); else client.read();
                    }
                    client.send(upgrade + "frame");
                    byte[] echoed = client.socket.getInputStream().readNBytes(upgrade.length() + 5);
                    assertEquals(upgrade + "frame", new String(echoed, StandardCharsets.ISO_8859_1));
                }
                assertEquals(List.of(), leaks.leaks());
            }
        }
    }
}
