package trackerd.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static trackerd.http.server.HttpTestClient.announceTarget;
import static trackerd.http.server.HttpTestClient.rawGet;
import static trackerd.http.server.HttpTestClient.percent;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import trackerd.http.server.HttpTestClient.Response;

/**
 * The HTTP front end on a real engine over real sockets on 127.0.0.1 and ::1, ephemeral ports.
 * Golden bodies are Latin-1 strings: bencode as written, raw bytes from hex, each commented.
 */
@Timeout(60)
class HttpTrackerIT {
    static final byte[] HASH_A = HexFormat.of().parseHex("0123456789abcdef0123456789abcdef01234567");
    static final byte[] HASH_B = HexFormat.of().parseHex("fedcba9876543210fedcba9876543210fedcba98");
    static final byte[] HASH_C = HexFormat.of().parseHex("5555555555555555555555555555555555555555");
    static final String OK_HEAD = "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ";

    @TempDir
    Path dir;

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private TestHttpTracker tracker;

    TestHttpTracker start(String... sets) throws Exception {
        tracker = new TestHttpTracker(sets);
        toClose.add(tracker);
        return tracker;
    }

    HttpTestClient client(int address) throws Exception {
        HttpTestClient client = new HttpTestClient(tracker.http.addresses().get(address));
        toClose.add(client);
        return client;
    }

    HttpTestClient v4() throws Exception {
        return client(0);
    }

    HttpTestClient v6() throws Exception {
        return client(1);
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) toClose.get(i).close();
    }

    static String raw(String hex) {
        return new String(HexFormat.of().parseHex(hex.replace(" ", "")), StandardCharsets.ISO_8859_1);
    }

    static String latin1(byte[] bytes) {
        return new String(bytes, StandardCharsets.ISO_8859_1);
    }

    // ---------------------------------------------------------------- golden vectors

    @Test
    void ipv4CompactAnnounceShouldMatchTheGoldenBytes() throws Exception {
        start();
        assertIpv4Golden();
    }

    @Test
    void ipv4CompactAnnounceShouldMatchTheGoldenBytesOnAnInlineEngine() throws Exception {
        start("workers.socket_workers=1", "workers.swarm_workers=0");
        assertIpv4Golden();
    }

    @Test
    void ipv4CompactAnnounceShouldMatchTheGoldenBytesOnNio() throws Exception {
        tracker = new TestHttpTracker(true, null);
        toClose.add(tracker);
        assertIpv4Golden();
    }

    private void assertIpv4Golden() throws Exception {
        HttpTestClient leecher = v4();
        Response first = leecher.get(announceTarget(HASH_A, 1, 6881, 10, "&event=started"));
        assertEquals(OK_HEAD + "92\r\n\r\n"
            + "d8:completei0e10:downloadedi0e10:incompletei1e8:intervali1800e12:min intervali900e5:peers0:e",
            first.head() + first.body(), "the first peer: alone, no peers");
        HttpTestClient seeder = v4();
        Response second = seeder.get(announceTarget(HASH_A, 2, 6882, 0, ""));
        assertEquals(OK_HEAD + "98\r\n\r\n" // no Connection header: HTTP/1.1 keeps the connection
            + "d"
            + "8:complete" + "i1e"            // seeders: the asker, left=0
            + "10:downloaded" + "i0e"         // no event=completed yet
            + "10:incomplete" + "i1e"         // the leecher
            + "8:interval" + "i1800e"         // swarm.announce_interval_seconds
            + "12:min interval" + "i900e"     // swarm.min_announce_interval_seconds
            + "5:peers" + "6:"                // BEP 23: one peer, 6 bytes
            + raw("7f000001 1ae1")            // 127.0.0.1:6881, the leecher (a seeder gets leechers only)
            + "e",
            second.head() + second.body());
        assertEquals(2.0, tracker.counter("tracker_requests", "protocol", "http", "type", "announce", "ip_version", "4"));
        assertEquals(2.0, tracker.counter("tracker_responses", "protocol", "http", "type", "announce", "ip_version", "4"));
    }

    @Test
    void ipv6CompactAnnounceShouldCarryPeers6() throws Exception {
        start();
        v6().get(announceTarget(HASH_A, 1, 6881, 10, ""));
        v4().get(announceTarget(HASH_A, 3, 6883, 10, "")); // an IPv4 leecher: never handed to IPv6 peers
        Response second = v6().get(announceTarget(HASH_A, 2, 6882, 0, ""));
        assertEquals("d8:completei1e10:downloadedi0e10:incompletei2e8:intervali1800e12:min intervali900e"
            + "5:peers" + "0:"                                    // empty, for clients that insist on the key
            + "6:peers6" + "18:"                                  // BEP 7: one IPv6 peer
            + raw("00000000000000000000000000000001 1ae1")        // [::1]:6881
            + "e", second.body());
        assertEquals(2.0, tracker.counter("tracker_requests", "protocol", "http", "type", "announce", "ip_version", "6"));
    }

    @Test
    void nonCompactAnnounceShouldListPeersAsDictionariesWithoutPeerIds() throws Exception {
        start();
        v4().get(announceTarget(HASH_A, 1, 6881, 10, ""));
        v6().get(announceTarget(HASH_A, 4, 6884, 10, ""));
        Response v4 = v4().get(announceTarget(HASH_A, 2, 6882, 0, "&compact=0"));
        assertEquals("d8:completei1e10:downloadedi0e10:incompletei2e8:intervali1800e12:min intervali900e"
            + "5:peers" + "l" + "d" + "2:ip" + "9:127.0.0.1" + "4:port" + "i6881e" + "e" + "e" // no "peer id"
            + "e", v4.body());
        Response v6 = v6().get(announceTarget(HASH_A, 3, 6883, 0, "&compact=0"));
        assertEquals("d8:completei2e10:downloadedi0e10:incompletei2e8:intervali1800e12:min intervali900e"
            + "5:peersld2:ip3:::14:porti6884eee" + "e", v6.body());
    }

    @Test
    void scrapeShouldMatchTheGoldenBytesAndZeroUnknownHashes() throws Exception {
        start();
        HttpTestClient client = v4();
        client.get(announceTarget(HASH_A, 1, 6881, 0, "&event=completed"));
        client.get(announceTarget(HASH_A, 2, 6882, 5, ""));
        Response scrape = client.get("/scrape?info_hash=" + percent(HASH_B) + "&info_hash=" + percent(HASH_A));
        assertEquals("d5:filesd"
            + "20:" + latin1(HASH_A)                                          // keys sorted: A < B
            + "d8:completei1e10:downloadedi1e10:incompletei1ee"              // BEP 48 counts
            + "20:" + latin1(HASH_B) + "d8:completei0e10:downloadedi0e10:incompletei0ee" // unknown: zeros
            + "ee", scrape.body());
        assertEquals(1.0, tracker.counter("tracker_requests", "protocol", "http", "type", "scrape", "ip_version", "4"));
    }

    @Test
    void headShouldAnswerTheSameHeadWithoutABody() throws Exception {
        start();
        HttpTestClient client = v4();
        client.send("HEAD " + announceTarget(HASH_A, 1, 6881, 10, "") + " HTTP/1.1\r\nHost: t\r\n\r\n");
        Response head = client.readHeadOnly();
        assertEquals(OK_HEAD + "92\r\n\r\n", head.head());
        assertEquals("ok", client.get("/health").body(), "the stream is still in step: no body was sent");
    }

    @Test
    void failuresShouldBeStatus200WithAFailureReason() throws Exception {
        start();
        HttpTestClient client = v4();
        Response missing = client.get("/announce?peer_id=" + HttpTestClient.peerId(1) + "&port=1");
        assertEquals(200, missing.status());
        assertEquals("d14:failure reason17:missing info_hashe", missing.body());
        assertEquals("d14:failure reason29:invalid port: must be 1-65535e",
            client.get(announceTarget(HASH_A, 1, 0, 0, "")).body());
        Response notFound = client.get("/announce.php");
        assertEquals(404, notFound.status());
        assertEquals("d14:failure reason38:unknown path: use /announce or /scrapee", notFound.body());
        assertEquals("d14:failure reason44:full scrape is not served: give an info_hashe", client.get("/scrape").body());
        Response health = client.get("/health");
        assertEquals(OK_HEAD + "2\r\n\r\nok", health.head() + health.body());
        // RFC 9112 3.2.2: the absolute form (what a client sends through a proxy) is its path
        Response absolute = client.get("http://tracker.example:6969/health");
        assertEquals(OK_HEAD + "2\r\n\r\nok", absolute.head() + absolute.body());
        assertEquals("d14:failure reason17:missing info_hashe",
            client.get("http://tracker.example/announce?port=1").body());
        assertEquals(1.0, tracker.counter("tracker_errors", "protocol", "http", "reason", "missing_info_hash") - 1);
        assertEquals(1.0, tracker.counter("tracker_errors", "protocol", "http", "reason", "bad_port"));
        assertEquals(1.0, tracker.counter("tracker_errors", "protocol", "http", "reason", "full_scrape_disabled"));
    }

    @Test
    void accessListShouldRefuseAnnouncesAndZeroScrapesOfForbiddenHashes() throws Exception {
        Path list = dir.resolve("allow.txt");
        Files.writeString(list, HexFormat.of().formatHex(HASH_A) + "\n");
        start("access_list.mode=\"allow\"", "access_list.path=\"" + list + "\"");
        HttpTestClient client = v4();
        assertEquals("d14:failure reason36:info hash not served by this trackere",
            client.get(announceTarget(HASH_B, 1, 6881, 0, "")).body());
        client.get(announceTarget(HASH_A, 1, 6881, 0, ""));
        assertEquals("d5:filesd20:" + latin1(HASH_A) + "d8:completei1e10:downloadedi0e10:incompletei0ee"
                + "20:" + latin1(HASH_B) + "d8:completei0e10:downloadedi0e10:incompletei0eeee",
            client.get("/scrape?info_hash=" + percent(HASH_A) + "&info_hash=" + percent(HASH_B)).body());
        assertEquals(2.0, tracker.counter("tracker_errors", "protocol", "http", "reason", "forbidden"));
    }

    @Test
    void aHostPastItsNewTorrentBudgetShouldGetAFailureReasonNotAnInternalError() throws Exception {
        // one swarm worker, so the whole budget of 1 new torrent is one shard's
        start("workers.swarm_workers=1", "limits.new_torrents_per_address_burst=1",
            "limits.new_torrents_per_address_per_second=1");
        HttpTestClient client = v4();
        client.get(announceTarget(HASH_A, 1, 6881, 0, ""));
        assertEquals("d14:failure reason56:too many new torrents from this address: try again latere",
            client.get(announceTarget(HASH_B, 1, 6881, 0, "")).body());
        assertEquals(1.0, tracker.counter("tracker_errors", "protocol", "http", "reason", "too_many_new_torrents"));
        assertEquals(0.0, tracker.counter("tracker_errors", "protocol", "http", "reason", "internal"));
    }

    // ---------------------------------------------------------------- connections

    @Test
    void keepAliveShouldServeManyRequestsOnOneConnection() throws Exception {
        start();
        HttpTestClient client = v4();
        for (int i = 0; i < 5; i++) {
            Response r = client.get(announceTarget(HASH_A, i, 7000 + i, 10, ""));
            assertFalse(r.head().contains("Connection:"), r.head());
            assertTrue(r.body().contains("10:incompletei" + (i + 1) + "e"), r.body());
        }
        assertEquals(1.0, tracker.gauge("tracker_connections", "protocol", "http"));
    }

    @Test
    void pipelinedRequestsShouldBeAnsweredInRequestOrderAcrossShards() throws Exception {
        start("workers.swarm_workers=4");
        assertPipelineOrder(v4());
    }

    @Test
    void pipelinedRequestsShouldBeAnsweredInRequestOrderOnAnInlineEngine() throws Exception {
        start("workers.socket_workers=1", "workers.swarm_workers=0");
        assertPipelineOrder(v6());
    }

    private void assertPipelineOrder(HttpTestClient client) throws Exception {
        byte[][] hashes = new byte[16][];
        StringBuilder announces = new StringBuilder();
        StringBuilder scrapes = new StringBuilder();
        for (int i = 0; i < 16; i++) {
            hashes[i] = HexFormat.of().parseHex(String.format("%040x", 0x1234567L * (i + 1) * 0x9E3779B1L));
            // hash i gets i % 3 + 1 peers: each answer says which request it belongs to
            for (int p = 0; p <= i % 3; p++) announces.append(rawGet(announceTarget(hashes[i], p, 7000 + p, 10, "")));
            scrapes.append(rawGet("/scrape?info_hash=" + percent(hashes[i])));
        }
        client.send(announces.toString()); // one write: every request of it is pipelined
        for (int i = 0; i < 16; i++) {
            for (int p = 0; p <= i % 3; p++) {
                assertTrue(client.read().body().contains("10:incompletei" + (p + 1) + "e"), "announce " + i + "/" + p);
            }
        }
        client.send(scrapes.toString());
        for (int i = 0; i < 16; i++) {
            assertEquals("d5:filesd20:" + latin1(hashes[i]) + "d8:completei0e10:downloadedi0e10:incompletei"
                + (i % 3 + 1) + "eeee", client.read().body(), "scrape " + i);
        }
    }

    // ---------------------------------------------------------------- answers written in place

    @Test
    void keepAliveAnswersShouldBeWrittenInPlaceAndSentOnceABatch() throws Exception {
        start("workers.socket_workers=1", "workers.swarm_workers=0");
        assertEquals(0, tracker.http.inPlaceSends()[0]);
        HttpTestClient client = v4();
        for (int i = 0; i < 5; i++) {
            assertTrue(client.get(announceTarget(HASH_A, i, 7000 + i, 10, "")).body().contains("10:incompletei" + (i + 1) + "e"));
        }
        assertPipelineOrder(client);
        // five requests one by one, then two pipelined writes (each may arrive in a few reads)
        long[] sends = tracker.http.inPlaceSends();
        assertTrue(sends[0] >= 7 && sends[0] < 5 + 2 * 16, "send(2) calls: " + sends[0]);
        assertEquals(0, sends[1]);
    }

    @Test
    void answersTheSocketTakesInPartShouldBeFinishedByTheChannelInOrder() throws Exception {
        start("workers.socket_workers=1", "workers.swarm_workers=2");
        tracker.http.limitInPlaceSendsForTests(7);
        try (LeakWatch leaks = new LeakWatch()) {
            HttpTestClient client = v4();
            assertPipelineOrder(client);
            client.send(rawGet(announceTarget(HASH_C, 1, 5000, 10, "")) + rawGet("/nope")
                + "GET /health HTTP/1.1\r\nConnection: close\r\n\r\n");
            assertTrue(client.read().body().contains("10:incompletei1e"));
            assertEquals(404, client.read().status());
            Response last = client.read();
            assertEquals("ok", last.body());
            assertTrue(last.hasHeader("Connection: close"));
            assertTrue(client.closedByServer());
            assertTrue(tracker.http.inPlaceSends()[1] > 0, "the limit made sends partial");
            assertEquals(List.of(), leaks.leaks());
        }
    }

    @Test
    void pipeliningConnectionsSharingOneLoopShouldEachGetTheirAnswersInOrder() throws Exception {
        // swarm answers for both connections come back in one batch: the send buffer changes hands
        start("workers.socket_workers=1", "workers.swarm_workers=2");
        for (int limit : new int[] {Integer.MAX_VALUE, 5}) {
            tracker.http.limitInPlaceSendsForTests(limit);
            List<HttpTestClient> clients = new ArrayList<>();
            for (int c = 0; c < 4; c++) clients.add(c % 2 == 0 ? v4() : v6());
            for (int c = 0; c < clients.size(); c++) {
                StringBuilder all = new StringBuilder();
                for (int i = 0; i < 24; i++) {
                    // numwant=0 and a hash per connection: each answer says its request's index
                    all.append(rawGet(announceTarget(hashOf(limit, c), i, 1000 + i, 10, "&numwant=0")));
                }
                clients.get(c).send(all.toString());
            }
            for (int c = 0; c < clients.size(); c++) {
                for (int i = 0; i < 24; i++) {
                    String body = clients.get(c).read().body();
                    assertTrue(body.contains("10:incompletei" + (i + 1) + "e"), "connection " + c + " answer " + i + ": " + body);
                }
            }
        }
        assertEquals("ok", v4().get("/health").body());
    }

    private static byte[] hashOf(int round, int connection) {
        return HexFormat.of().parseHex(String.format("%08x%032x", round, 0xABCDEFL * (connection + 1)));
    }

    @Test
    void manyPipelinedRequestsShouldAllBeAnsweredPastTheBackpressureLimit() throws Exception {
        start("workers.swarm_workers=4");
        HttpTestClient client = v4();
        int n = HttpSettings.MAX_PIPELINED * 3 + 5;
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < n; i++) all.append(rawGet(announceTarget(HASH_A, i, 1000 + i, 10, "&numwant=0")));
        client.send(all.toString());
        for (int i = 0; i < n; i++) {
            assertTrue(client.read().body().contains("10:incompletei" + (i + 1) + "e"), "answer " + i);
        }
    }

    @Test
    void connectionCloseShouldBeHonoured() throws Exception {
        start();
        HttpTestClient client = v4();
        client.send(rawGet("/health").replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n") + rawGet("/health"));
        Response r = client.read();
        assertTrue(r.hasHeader("Connection: close"), r.head());
        assertTrue(client.closedByServer(), "the request after the close is not answered");
    }

    @Test
    void aCloseBehindPendingAnnouncesShouldComeLastAndThenClose() throws Exception {
        start("workers.swarm_workers=4");
        HttpTestClient client = v4();
        StringBuilder all = new StringBuilder();
        for (int i = 0; i < 8; i++) all.append(rawGet(announceTarget(i % 2 == 0 ? HASH_A : HASH_B, i, 3000 + i, 10, "")));
        all.append("GET /health HTTP/1.1\r\nConnection: close\r\n\r\n").append(rawGet("/health"));
        client.send(all.toString());
        for (int i = 0; i < 8; i++) {
            Response r = client.read();
            assertFalse(r.head().contains("Connection:"), r.head());
            assertTrue(r.body().contains("10:incompletei" + (i / 2 + 1) + "e"), "announce " + i + ": " + r.body());
        }
        Response last = client.read();
        assertEquals("ok", last.body());
        assertTrue(last.hasHeader("Connection: close"));
        assertTrue(client.closedByServer());
    }

    @Test
    void aClientThatShutsItsSideShouldStillGetItsAnswers() throws Exception {
        start("workers.swarm_workers=4");
        HttpTestClient client = v4();
        client.send(rawGet(announceTarget(HASH_A, 1, 6881, 10, "")) + rawGet(announceTarget(HASH_B, 2, 6882, 10, "")));
        client.socket.shutdownOutput();
        assertTrue(client.read().body().contains("10:incompletei1e"));
        assertTrue(client.read().body().contains("10:incompletei1e"));
        assertTrue(client.closedByServer());
    }

    @Test
    void http10ShouldCloseUnlessKeepAliveIsAsked() throws Exception {
        start();
        HttpTestClient plain = v4();
        Response r = plain.request("GET /health HTTP/1.0\r\n\r\n");
        assertTrue(r.hasHeader("Connection: close"), r.head());
        assertTrue(plain.closedByServer());
        HttpTestClient keep = v4();
        for (int i = 0; i < 2; i++) {
            Response k = keep.request("GET /health HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n");
            assertTrue(k.hasHeader("Connection: keep-alive"), k.head());
            assertEquals("ok", k.body());
        }
    }

    @Test
    void limitsShouldAnswer414And431AndClose() throws Exception {
        start("http.max_request_bytes=256");
        HttpTestClient longLine = v4();
        Response r414 = longLine.request("GET /announce?" + "a".repeat(300) + " HTTP/1.1\r\n\r\n");
        assertEquals(414, r414.status());
        assertTrue(r414.hasHeader("Connection: close"));
        assertTrue(longLine.closedByServer());
        HttpTestClient longHeaders = v4();
        Response r431 = longHeaders.request("GET /health HTTP/1.1\r\nX-Pad: " + "b".repeat(300) + "\r\n\r\n");
        assertEquals(431, r431.status());
        assertTrue(longHeaders.closedByServer());
        // 256 bytes exactly is still served
        String exact = "GET /health HTTP/1.1\r\nX-Pad: ";
        exact += "c".repeat(256 - exact.length() - 4) + "\r\n\r\n";
        assertEquals(256, exact.length());
        assertEquals(200, v4().request(exact).status());
        assertEquals(1.0, tracker.counter("tracker_errors", "protocol", "http", "reason", "uri_too_long"));
        assertEquals(1.0, tracker.counter("tracker_errors", "protocol", "http", "reason", "headers_too_large"));
    }

    @Test
    void otherMethodsShouldGet405AndBodiesShouldGet413() throws Exception {
        start();
        HttpTestClient client = v4();
        Response r405 = client.request("DELETE /announce HTTP/1.1\r\nHost: t\r\n\r\n");
        assertEquals(405, r405.status());
        assertTrue(r405.hasHeader("Allow: GET, HEAD"), r405.head());
        assertEquals("ok", client.get("/health").body(), "405 keeps the connection");
        Response r413 = client.request("POST /announce HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello");
        assertEquals(413, r413.status());
        assertTrue(client.closedByServer(), "a body leaves the stream in doubt: closed");
        HttpTestClient chunked = v4();
        assertEquals(413, chunked.request("GET /health HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n").status());
        HttpTestClient garbage = v4();
        assertEquals(400, garbage.request("HELLO\r\n\r\n").status());
        assertTrue(garbage.closedByServer());
        assertEquals(200, v4().request("GET /health HTTP/1.1\r\nContent-Length: 0\r\n\r\n").status());
    }

    @Test
    void idleAndSlowClientsShouldBeClosedAfterTheReadTimeout() throws Exception {
        start("http.read_timeout_seconds=1");
        HttpTestClient idle = v4();
        HttpTestClient slow = v4();
        slow.send("GET /announce?info_hash=");
        long started = System.nanoTime();
        assertTrue(idle.closedByServer());
        assertTrue(slow.closedByServer());
        assertTrue(System.nanoTime() - started > 500_000_000L, "not before the timeout");
        assertEquals(2.0, tracker.counter("tracker_errors", "protocol", "http", "reason", "read_timeout"));
    }

    @Test
    void connectionsPastTheLimitShouldBeClosedAtOnce() throws Exception {
        start("http.max_connections=2");
        HttpTestClient a = v4();
        HttpTestClient b = v6();
        assertEquals("ok", a.get("/health").body());
        assertEquals("ok", b.get("/health").body());
        HttpTestClient c = v4();
        assertTrue(c.closedByServer());
        assertEquals(1.0, tracker.counter("tracker_connections_refused", "protocol", "http"));
        assertEquals(2.0, tracker.gauge("tracker_connections", "protocol", "http"));
    }

    @Test
    void everySocketWorkerLoopShouldAcceptConnectionsOnItsOwnListeningSocket() throws Exception {
        start(); // two socket-worker loops, each with its own SO_REUSEPORT socket per address
        List<HttpTestClient> clients = new java.util.ArrayList<>();
        for (int i = 0; i < 32; i++) {
            HttpTestClient client = v4();
            assertEquals("ok", client.get("/health").body());
            clients.add(client);
        }
        List<Integer> byLoop = tracker.http.openConnectionsByLoop();
        assertEquals(32, byLoop.stream().mapToInt(Integer::intValue).sum(), byLoop.toString());
        // the kernel spreads connections by a hash of their addresses: all 32 on one of two
        // sockets has a chance of 2^-31
        assertTrue(byLoop.stream().allMatch(n -> n > 0), "connections by loop: " + byLoop);
        assertEquals(32.0, tracker.gauge("tracker_connections", "protocol", "http"));
        for (HttpTestClient client : clients) client.close();
    }

    @Test
    void aConnectionClosedWithRequestsInFlightShouldLeakNothing() throws Exception {
        start("workers.swarm_workers=4");
        try (LeakWatch leaks = new LeakWatch()) {
            for (int round = 0; round < 20; round++) {
                HttpTestClient client = new HttpTestClient(tracker.http.addresses().get(round % 2));
                StringBuilder all = new StringBuilder();
                for (int i = 0; i < 32; i++) {
                    all.append(rawGet(announceTarget(i % 2 == 0 ? HASH_A : HASH_B, i, 2000 + i, 10, "")));
                    all.append(rawGet("/scrape?info_hash=" + percent(HASH_A) + "&info_hash=" + percent(HASH_B)));
                }
                client.send(all.toString());
                client.socket.setSoLinger(true, 0); // a reset: the server learns at once
                client.close();
            }
            HttpTestClient after = v4();
            assertEquals("ok", after.get("/health").body(), "the server goes on");
            assertEquals(List.of(), leaks.leaks());
        }
    }

    // ---------------------------------------------------------------- proxy

    @Test
    void forwardedForFromATrustedProxyShouldNameThePeer() throws Exception {
        start("http.proxy.header=\"x-forwarded-for\"", "http.proxy.trusted=[\"127.0.0.1\", \"10.0.0.0/8\"]");
        // the rightmost address that is not a trusted proxy: 10.1.2.3 is one, 198.51.100.9 is the client
        v4().get(announceTarget(HASH_A, 1, 6881, 10, ""), "X-Forwarded-For: 203.0.113.1, 198.51.100.9, 10.1.2.3");
        Response seeder = v4().get(announceTarget(HASH_A, 2, 6882, 0, ""), "X-Forwarded-For: 198.51.100.10");
        assertTrue(seeder.body().endsWith("5:peers6:" + raw("c6336409 1ae1") + "e"), seeder.body());
        Response noHeader = v4().get(announceTarget(HASH_A, 3, 6883, 0, ""));
        assertEquals(200, noHeader.status());
        assertEquals(1.0, tracker.counter("tracker_errors", "protocol", "http", "reason", "bad_proxy_header"));
    }

    @Test
    void realIpFromATrustedProxyMayNameAnIpv6Peer() throws Exception {
        start("http.proxy.header=\"x-real-ip\"", "http.proxy.trusted=[\"127.0.0.1\"]");
        v4().get(announceTarget(HASH_A, 1, 6881, 10, ""), "X-Real-IP: 2001:db8::5");
        Response seeder = v6().get(announceTarget(HASH_A, 2, 6882, 0, ""), "X-Real-IP: 2001:db8::6"); // ::1 untrusted
        assertTrue(seeder.body().endsWith("6:peers618:" + raw("20010db8000000000000000000000005 1ae1") + "e"),
            seeder.body());
        assertEquals(1.0, tracker.counter("tracker_http_proxy_header_ignored"));
        assertEquals(0.0, tracker.counter("tracker_requests", "protocol", "http", "type", "announce", "ip_version", "4"),
            "the proxied client is an IPv6 peer though it came over IPv4");
    }

    @Test
    void proxyHeaderFromAnUntrustedPeerShouldBeIgnoredAndCounted() throws Exception {
        start("http.proxy.header=\"x-forwarded-for\"", "http.proxy.trusted=[\"10.0.0.1\"]");
        v4().get(announceTarget(HASH_A, 1, 6881, 10, ""), "X-Forwarded-For: 198.51.100.9");
        Response seeder = v4().get(announceTarget(HASH_A, 2, 6882, 0, ""));
        assertTrue(seeder.body().endsWith("5:peers6:" + raw("7f000001 1ae1") + "e"), seeder.body());
        assertEquals(1.0, tracker.counter("tracker_http_proxy_header_ignored"));
    }

    @Test
    void trustClientIpShouldUseTheBep7AddressOfTheRequestsOwnFamilyOnly() throws Exception {
        start("swarm.trust_client_ip=true");
        v4().get(announceTarget(HASH_A, 1, 6881, 10, "&ip=198.51.100.20&ipv6=2001:db8::9"));
        Response seeder = v4().get(announceTarget(HASH_A, 2, 6882, 0, ""));
        assertTrue(seeder.body().endsWith("5:peers6:" + raw("c6336414 1ae1") + "e"), seeder.body());
        Response v6seeder = v6().get(announceTarget(HASH_A, 3, 6883, 0, ""));
        assertTrue(v6seeder.body().endsWith("6:peers60:e"), "the IPv4 peer's ipv6= is not believed: " + v6seeder.body());
    }

    // ---------------------------------------------------------------- full scrape

    @Test
    void fullScrapeShouldServeEveryTorrentFromASnapshot() throws Exception {
        start("http.full_scrape=true", "http.full_scrape_max_age_seconds=3600");
        assertFullScrape(v4());
    }

    @Test
    void fullScrapeShouldWorkOnAnInlineEngine() throws Exception {
        start("workers.socket_workers=1", "workers.swarm_workers=0", "http.full_scrape=true",
            "http.full_scrape_max_age_seconds=3600");
        assertFullScrape(v6());
    }

    private void assertFullScrape(HttpTestClient client) throws Exception {
        client.get(announceTarget(HASH_B, 1, 6881, 10, ""));
        client.get(announceTarget(HASH_A, 1, 6881, 0, ""));
        String both = "d5:filesd"
            + "20:" + latin1(HASH_A) + "d8:completei1e10:downloadedi0e10:incompletei0ee"
            + "20:" + latin1(HASH_B) + "d8:completei0e10:downloadedi0e10:incompletei1ee"
            + "ee";
        // pipelined: both wait for the one snapshot build
        client.send(rawGet("/scrape") + rawGet("/scrape/"));
        assertEquals(both, client.read().body());
        assertEquals(both, client.read().body());
        client.get(announceTarget(HASH_C, 1, 6881, 0, ""));
        assertEquals(both, client.get("/scrape").body(), "served from the snapshot, not a new walk");
        String version = client.socket.getInetAddress() instanceof java.net.Inet6Address ? "6" : "4";
        assertEquals(3.0, tracker.counter("tracker_responses", "protocol", "http", "type", "full_scrape", "ip_version", version));
    }

    @Test
    void fullScrapeShouldKeepTheTorrentsWithTheMostPeers() throws Exception {
        start("http.full_scrape=true", "http.full_scrape_max_torrents=1", "workers.swarm_workers=3");
        HttpTestClient client = v4();
        client.get(announceTarget(HASH_A, 1, 6881, 10, ""));
        client.get(announceTarget(HASH_B, 1, 6881, 10, ""));
        client.get(announceTarget(HASH_B, 2, 6882, 10, ""));
        assertEquals("d5:filesd20:" + latin1(HASH_B) + "d8:completei0e10:downloadedi0e10:incompletei2eeee",
            client.get("/scrape").body());
    }

    // ---------------------------------------------------------------- WebSocket door

    @Test
    void aWebSocketUpgradeWithoutADoorShouldGet400() throws Exception {
        start();
        HttpTestClient client = v4();
        Response r = client.get("/", "Connection: Upgrade", "Upgrade: websocket");
        assertEquals(400, r.status());
        assertEquals("websocket not enabled on this address\n", r.body());
        assertEquals("ok", client.get("/health").body());
    }

    @Test
    void aWebSocketUpgradeShouldBeHandedToTheDoorWithItsBytes() throws Exception {
        // a door that echoes what it is handed, to show it gets the whole request and what follows
        WebSocketDoor echo = (http, request) -> http.pipeline().addAfter(http.name(), "echo",
            new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    ByteBuf in = (ByteBuf) msg;
                    ctx.writeAndFlush(in); // released by the write
                }
            });
        tracker = new TestHttpTracker(false, echo);
        toClose.add(tracker);
        HttpTestClient client = v4();
        String upgrade = "GET /announce HTTP/1.1\r\nHost: t\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n";
        client.send(upgrade + "frame");
        byte[] echoed = client.socket.getInputStream().readNBytes(upgrade.length() + 5);
        assertEquals(upgrade + "frame", latin1(echoed));
    }

    // ---------------------------------------------------------------- addresses

    @Test
    void wildcardIpv4AndIpv6OnOnePortShouldServeBothFamilies() throws Exception {
        assertWildcards(false);
    }

    @Test
    void wildcardIpv4AndIpv6OnOnePortShouldServeBothFamiliesOnNio() throws Exception {
        assertWildcards(true);
    }

    private void assertWildcards(boolean nio) throws Exception {
        int port;
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        tracker = new TestHttpTracker(nio, null, "http.listen=[\"0.0.0.0:" + port + "\", \"[::]:" + port + "\"]");
        toClose.add(tracker);
        HttpTestClient a = new HttpTestClient(new InetSocketAddress("127.0.0.1", port));
        HttpTestClient b = new HttpTestClient(new InetSocketAddress("::1", port));
        toClose.add(a);
        toClose.add(b);
        a.get(announceTarget(HASH_A, 1, 6881, 10, ""));
        b.get(announceTarget(HASH_A, 2, 6882, 10, ""));
        assertEquals(1.0, tracker.counter("tracker_requests", "protocol", "http", "type", "announce", "ip_version", "4"));
        assertEquals(1.0, tracker.counter("tracker_requests", "protocol", "http", "type", "announce", "ip_version", "6"));
        // a second tracker on the same port is refused, not silently sharing it
        Exception refused = org.junit.jupiter.api.Assertions.assertThrows(java.io.IOException.class,
            () -> new TestHttpTracker(nio, null, "http.listen=[\"0.0.0.0:" + port + "\"]").close());
        assertTrue(refused.getMessage().contains("cannot listen on http 0.0.0.0:" + port), refused.getMessage());
    }
}
