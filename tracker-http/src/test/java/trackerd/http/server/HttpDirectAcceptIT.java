package trackerd.http.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static trackerd.http.server.HttpTestClient.announceTarget;
import static trackerd.http.server.HttpTestClient.percent;
import static trackerd.http.server.HttpTestClient.rawGet;
import static trackerd.http.server.HttpTrackerIT.HASH_A;
import static trackerd.http.server.HttpTrackerIT.HASH_B;
import static trackerd.http.server.HttpTrackerIT.OK_HEAD;
import static trackerd.http.server.HttpTrackerIT.raw;

import io.netty.channel.epoll.DirectAcceptChannel;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import trackerd.http.server.HttpTestClient.Response;

/**
 * The direct accept path (plain HTTP on epoll, {@link HttpDirectAccept}) over real sockets on
 * 127.0.0.1 and ::1, ephemeral ports: what it answers on the descriptor is byte for byte what a
 * channel answers, and everything it hands to a channel still works. Each test also says which
 * path a request took ({@link HttpFrontEnd#directTaken}).
 */
@Timeout(60)
class HttpDirectAcceptIT {
    /** The first announce of an empty swarm, closing: the golden bytes of HttpTrackerIT plus the Connection line. */
    static final String FIRST_ANNOUNCE_CLOSE = OK_HEAD + "92\r\nConnection: close\r\n\r\n"
        + "d8:completei0e10:downloadedi0e10:incompletei1e8:intervali1800e12:min intervali900e5:peers0:e";

    private final List<AutoCloseable> toClose = new ArrayList<>();
    private TestHttpTracker tracker;

    TestHttpTracker start(String... sets) throws Exception {
        tracker = new TestHttpTracker(sets);
        toClose.add(tracker);
        assumeTrue(tracker.http.directAccept(), "no direct path here (no epoll)");
        return tracker;
    }

    HttpTestClient client(int address) throws Exception {
        HttpTestClient client = new HttpTestClient(tracker.http.addresses().get(address));
        toClose.add(client);
        return client;
    }

    @AfterEach
    void stop() throws Exception {
        for (int i = toClose.size() - 1; i >= 0; i--) toClose.get(i).close();
    }

    static String closing(String target) {
        return "GET " + target + " HTTP/1.1\r\nHost: tracker\r\nConnection: close\r\n\r\n";
    }

    /** Polls {@code condition} (bounded: 10 s) for what the server does on its own time. */
    static void await(String what, Callable<Boolean> condition) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.call()) {
            assertTrue(System.nanoTime() < deadline, "timed out waiting for: " + what);
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
        }
    }

    int openConnections() throws Exception {
        return tracker.http.openConnectionsByLoop().stream().mapToInt(Integer::intValue).sum();
    }

    // ---------------------------------------------------------------- answered on the descriptor

    @Test
    void closingAnnounceShouldBeAnsweredByteForByteAndClosedByTheServer() throws Exception {
        start(); // two swarm workers: the answer comes back from another thread
        assertClosingAnnounces();
    }

    @Test
    void closingAnnounceShouldBeAnsweredByteForByteOnAnInlineEngine() throws Exception {
        start("workers.socket_workers=1", "workers.swarm_workers=0");
        assertClosingAnnounces();
    }

    private void assertClosingAnnounces() throws Exception {
        HttpTestClient leecher = client(0);
        Response first = leecher.request(closing(announceTarget(HASH_A, 1, 6881, 10, "&event=started")));
        assertEquals(FIRST_ANNOUNCE_CLOSE, first.head() + first.body());
        assertTrue(leecher.closedByServer(), "closed after the answer");
        HttpTestClient seeder = client(0);
        Response second = seeder.request(closing(announceTarget(HASH_A, 2, 6882, 0, "")));
        assertEquals(OK_HEAD + "98\r\nConnection: close\r\n\r\n"
            + "d8:completei1e10:downloadedi0e10:incompletei1e8:intervali1800e12:min intervali900e"
            + "5:peers6:" + raw("7f000001 1ae1") // 127.0.0.1:6881, the leecher
            + "e",
            second.head() + second.body());
        assertTrue(seeder.closedByServer());
        assertEquals(2, tracker.http.directTaken());
    }

    @Test
    void aBurstOfConnectionsLongerThanOneAcceptBatchShouldAllBeAnswered() throws Exception {
        start("workers.socket_workers=1");
        // 16 accepts per epoll wake-up: the rest of the queue must be accepted without a new
        // connection's event (edge-triggered epoll gives none for those already queued)
        List<HttpTestClient> clients = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            HttpTestClient client = client(0);
            client.send(closing("/health"));
            clients.add(client);
        }
        for (HttpTestClient client : clients) {
            assertEquals("ok", client.read().body());
            assertTrue(client.closedByServer());
        }
        assertEquals(100, tracker.http.directTaken());
    }

    @Test
    void http10RequestWithoutKeepAliveShouldBeAnsweredDirectly() throws Exception {
        start();
        HttpTestClient client = client(1); // ::1
        Response r = client.request("GET " + announceTarget(HASH_B, 3, 7000, 5, "") + " HTTP/1.0\r\n\r\n");
        assertEquals(OK_HEAD + "102\r\nConnection: close\r\n\r\n"
            + "d8:completei0e10:downloadedi0e10:incompletei1e8:intervali1800e12:min intervali900e"
            + "5:peers0:6:peers60:e", // an IPv6 peer: BEP 7's peers6, empty
            r.head() + r.body());
        assertTrue(client.closedByServer());
        assertEquals(1, tracker.http.directTaken());
    }

    @Test
    void headHealthAnd404ShouldBeAnsweredDirectly() throws Exception {
        start();
        HttpTestClient head = client(0);
        head.send("HEAD /health HTTP/1.1\r\nConnection: close\r\n\r\n");
        Response h = head.readHeadOnly();
        assertEquals(OK_HEAD + "2\r\nConnection: close\r\n\r\n", h.head());
        assertTrue(head.closedByServer(), "no body after the head of a HEAD answer");
        HttpTestClient health = client(0);
        assertEquals("ok", health.request(closing("/health")).body());
        assertTrue(health.closedByServer());
        HttpTestClient missing = client(1);
        Response notFound = missing.request(closing("/favicon.ico"));
        assertEquals(404, notFound.status());
        assertTrue(notFound.hasHeader("Connection: close"));
        assertTrue(missing.closedByServer());
        HttpTestClient bad = client(0);
        Response failure = bad.request(closing("/announce?peer_id=x"));
        assertEquals(200, failure.status());
        assertTrue(failure.body().startsWith("d14:failure reason"), failure.body());
        assertTrue(bad.closedByServer());
        assertEquals(4, tracker.http.directTaken());
        assertEquals(1.0, tracker.counter("tracker_errors", "protocol", "http", "reason", "not_found"));
        assertEquals(2.0, tracker.counter("tracker_responses", "protocol", "http", "type", "health", "ip_version", "4"));
    }

    @Test
    void directAnswersShouldBeCountedLikeChannelAnswers() throws Exception {
        start();
        String request = closing(announceTarget(HASH_A, 1, 6881, 10, ""));
        HttpTestClient client = client(0);
        Response r = client.request(request);
        assertTrue(client.closedByServer());
        assertEquals(1, tracker.http.directTaken());
        assertEquals(1.0, tracker.counter("tracker_requests", "protocol", "http", "type", "announce", "ip_version", "4"));
        assertEquals(1.0, tracker.counter("tracker_responses", "protocol", "http", "type", "announce", "ip_version", "4"));
        assertEquals(request.length(), tracker.counter("tracker_received_bytes", "protocol", "http", "ip_version", "4"));
        int answer = (r.head() + r.body()).getBytes(StandardCharsets.ISO_8859_1).length;
        assertEquals(answer, tracker.counter("tracker_sent_bytes", "protocol", "http", "ip_version", "4"));
        await("the connection counted out", () -> tracker.gauge("tracker_connections", "protocol", "http") == 0.0);
    }

    @Test
    void aTrustedProxysHeaderShouldNameTheClientOnTheDirectPath() throws Exception {
        start("http.proxy.header=\"x-real-ip\"", "http.proxy.trusted=[\"127.0.0.1\"]");
        HttpTestClient leecher = client(0);
        leecher.request("GET " + announceTarget(HASH_A, 1, 6881, 10, "")
            + " HTTP/1.1\r\nX-Real-IP: 198.51.100.7\r\nConnection: close\r\n\r\n");
        HttpTestClient seeder = client(0);
        Response r = seeder.request(closing(announceTarget(HASH_A, 2, 6882, 0, "")));
        assertTrue(r.body().endsWith("5:peers6:" + raw("c6336407 1ae1") + "e"), "198.51.100.7:6881: " + r.body());
        assertEquals(2, tracker.http.directTaken());
    }

    @Test
    void connectionsPastTheLimitShouldBeRefusedOnTheDirectPath() throws Exception {
        start("http.max_connections=1");
        HttpTestClient held = client(0);
        assertEquals("ok", held.get("/health").body()); // keep-alive: a channel holds the one connection
        HttpTestClient refused = client(0);
        refused.send(closing("/health"));
        assertTrue(refused.closedByServer());
        assertEquals(1.0, tracker.counter("tracker_connections_refused", "protocol", "http"));
        held.close();
        await("the held connection counted out", () -> tracker.gauge("tracker_connections", "protocol", "http") == 0.0);
        HttpTestClient next = client(0);
        assertEquals("ok", next.request(closing("/health")).body());
        assertEquals(1, tracker.http.directTaken());
    }

    // ---------------------------------------------------------------- handed to a channel

    @Test
    void anAnswerTheSocketDoesNotTakeWholeShouldBeFinishedByAChannel() throws Exception {
        start();
        // a fresh loopback socket takes any answer whole: the test makes send(2) take 40 bytes
        tracker.http.limitDirectSendsForTests(40);
        try (LeakWatch leaks = new LeakWatch()) {
            HttpTestClient client = client(0);
            Response r = client.request(closing(announceTarget(HASH_A, 1, 6881, 10, "&event=started")));
            assertEquals(FIRST_ANNOUNCE_CLOSE, r.head() + r.body(), "40 bytes by send(2), the rest by a channel");
            assertTrue(client.closedByServer());
            HttpTestClient health = client(1);
            assertEquals("ok", health.request(closing("/health")).body());
            assertTrue(health.closedByServer());
            assertEquals(2, tracker.http.directTaken());
            assertEquals(2, tracker.http.directFinishedByChannel());
            await("both connections counted out", () -> tracker.gauge("tracker_connections", "protocol", "http") == 0.0);
            assertEquals(List.of(), leaks.leaks());
        }
    }

    @Test
    void anAnswerTheClientDoesNotReadShouldBeClosedAfterTheReadTimeout() throws Exception {
        start("http.max_request_bytes=65536", "limits.max_scrape_hashes=600", "http.read_timeout_seconds=1");
        // 40 bytes by send(2), the rest (about 42 KB of scrape) by a channel with an 8 KB send buffer
        tracker.http.limitDirectSendsForTests(40);
        tracker.http.restSendBufferForTests(4096);
        StringBuilder target = new StringBuilder("/scrape?");
        for (int i = 0; i < 600; i++) {
            byte[] hash = new byte[20];
            hash[0] = (byte) (i >> 8);
            hash[1] = (byte) i;
            target.append(i == 0 ? "" : "&").append("info_hash=").append(percent(hash));
        }
        try (Socket client = new Socket()) {
            client.setReceiveBufferSize(2048); // a window of a few KB, and the client never reads
            client.connect(tracker.http.addresses().get(0), 5_000);
            client.getOutputStream().write(closing(target.toString()).getBytes(StandardCharsets.ISO_8859_1));
            await("the rest handed to a channel", () -> tracker.http.directFinishedByChannel() == 1);
            await("the stalled connection closed and counted out",
                () -> tracker.gauge("tracker_connections", "protocol", "http") == 0.0);
            // closed by the timeout, not by the write completing
            assertEquals(1.0, tracker.counter("tracker_errors", "protocol", "http", "reason", "read_timeout"));
            assertEquals(1, tracker.http.directTaken());
        }
    }

    @Test
    void keepAliveOnAFreshConnectionShouldServeSeveralRequests() throws Exception {
        start();
        HttpTestClient client = client(0);
        for (int i = 0; i < 3; i++) {
            Response r = client.get(announceTarget(HASH_A, 1, 6881, 10, ""));
            assertEquals(200, r.status());
            assertTrue(!r.hasHeader("Connection: close"), r.head());
        }
        assertEquals("ok", client.request(closing("/health")).body());
        assertTrue(client.closedByServer());
        assertEquals(0, tracker.http.directTaken());
    }

    @Test
    void aHeadSplitInTwoWritesShouldBeAnswered() throws Exception {
        start();
        HttpTestClient client = client(0);
        String request = closing(announceTarget(HASH_A, 1, 6881, 10, "&event=started"));
        client.send(request.substring(0, 40));
        await("the partial head read by a channel", () -> openConnections() == 1);
        client.send(request.substring(40));
        Response r = client.read();
        assertEquals(FIRST_ANNOUNCE_CLOSE, r.head() + r.body());
        assertTrue(client.closedByServer());
        assertEquals(0, tracker.http.directTaken());
        assertEquals(request.length(), tracker.counter("tracker_received_bytes", "protocol", "http", "ip_version", "4"),
            "the bytes the direct path read are counted once, by the channel");
    }

    @Test
    void pipelinedRequestsInOneWriteShouldBeAnsweredInOrder() throws Exception {
        start("workers.swarm_workers=4"); // answers from different shards come back in any order
        HttpTestClient client = client(0);
        client.send(rawGet(announceTarget(HASH_A, 1, 6881, 10, "")) + rawGet("/health")
            + rawGet("/scrape?info_hash=" + percent(HASH_A)) + rawGet(announceTarget(HASH_B, 2, 6882, 10, ""))
            + closing("/health"));
        assertTrue(client.read().body().contains("8:intervali1800e"));
        assertEquals("ok", client.read().body());
        assertTrue(client.read().body().startsWith("d5:filesd20:"));
        assertTrue(client.read().body().contains("8:intervali1800e"));
        Response last = client.read();
        assertEquals("ok", last.body());
        assertTrue(last.hasHeader("Connection: close"));
        assertTrue(client.closedByServer());
        assertEquals(0, tracker.http.directTaken());
    }

    @Test
    void aConnectionSilentAtFirstShouldBeServedWhenItsRequestComes() throws Exception {
        start();
        HttpTestClient client = client(0);
        // TCP_DEFER_ACCEPT holds a silent connection for about a second, then it is accepted, read
        // (EAGAIN) and handed to a channel
        await("the silent connection accepted", () -> openConnections() == 1);
        Response r = client.request(closing(announceTarget(HASH_A, 1, 6881, 10, "&event=started")));
        assertEquals(FIRST_ANNOUNCE_CLOSE, r.head() + r.body());
        assertTrue(client.closedByServer());
        assertEquals(0, tracker.http.directTaken());
    }

    @Test
    void aFullScrapeShouldBeServedThroughAChannel() throws Exception {
        start("http.full_scrape=true");
        HttpTestClient client = client(0);
        Response r = client.request(closing("/scrape"));
        assertEquals(200, r.status());
        assertTrue(r.body().startsWith("d5:files"), r.body());
        assertTrue(client.closedByServer());
        assertEquals(0, tracker.http.directTaken());
        assertEquals(1.0, tracker.counter("tracker_requests", "protocol", "http", "type", "full_scrape", "ip_version", "4"),
            "counted once, by the channel");
    }

    @Test
    void aMalformedClosingHeadShouldGetItsStatusThroughAChannel() throws Exception {
        start();
        HttpTestClient client = client(0);
        Response r = client.request("GET /health HTTP/1.1\r\nConnection: close\r\nno colon here\r\n\r\n");
        assertEquals(400, r.status());
        assertTrue(client.closedByServer());
        assertEquals(0, tracker.http.directTaken());
    }

    // ---------------------------------------------------------------- shutdown

    @Test
    void shutdownShouldCloseADirectConnectionWaitingForItsAnswer() throws Exception {
        start(); // two swarm workers
        try (LeakWatch leaks = new LeakWatch()) {
            tracker.engine.close(); // the swarm workers stop: a request submitted now is never answered
            HttpTestClient client = client(0);
            client.send(closing(announceTarget(HASH_A, 1, 6881, 10, "")));
            await("the connection parked for its answer", () -> tracker.http.directWaiting() == 1);
            tracker.http.close();
            assertTrue(client.closedByServer(), "closed without an answer");
            assertEquals(0.0, tracker.gauge("tracker_connections", "protocol", "http"));
            assertEquals(List.of(), leaks.leaks());
        }
    }
}
