package trackerd.ws.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.util.concurrent.EventExecutor;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import trackerd.access.AccessList;
import trackerd.config.ConfigLoader;
import trackerd.config.TrackerConfig;
import trackerd.metrics.MetricBank;
import trackerd.runtime.WorkerThreadFactory;
import trackerd.loop.SwarmCore;
import trackerd.swarm.SwarmEngine;

/**
 * The WebTorrent front end on a real engine and real sockets (port 0) with real WebSocket clients:
 * two socket workers and two swarm workers (threaded), or one socket worker and an inline engine.
 * Netty's leak detection runs at paranoid in tests (pom): every buffer is tracked, and each test
 * fails if a leak was reported ({@link LeakCounter}).
 */
@Timeout(60)
class WsTrackerIT {
    static final boolean LEAKS_COUNTED = LeakCounter.install();

    static final String HASH = "aaaaaaaaaaaaaaaaaaaa";
    /** A binary info hash with control chars, quote, backslash and bytes above 0x7F. */
    static final String BINARY_HASH = "\\u0000\\u0001\\n\\\"\\\\\\u007f\\u0080\\u00ff" + "bbbbbbbbbbbb";
    /** As the encoder writes BINARY_HASH: controls, quote and backslash escaped, 0x7F-0xFF as chars. */
    static final String BINARY_HASH_OUT = "\\u0000\\u0001\\n\\\"\\\\" + "\u007f\u0080\u00ff" + "bbbbbbbbbbbb";
    /** swarm.announce_interval_seconds 1800 / 5, as bittorrent-tracker tells WebSocket clients. */
    static final int INTERVAL = 360;
    static final String OFFER = "{\"type\":\"offer\",\"sdp\":\"v=0\\r\\na=x \\\"q\\\" \\u00e9\"}";
    static final String ANSWER = "{\"type\":\"answer\",\"sdp\":\"v=0\\r\\na=y\"}";

    final List<AutoCloseable> toClose = new ArrayList<>();
    EventLoopGroup serverLoops;
    EventLoopGroup clientLoops = new NioEventLoopGroup(1);
    MetricBank bank;
    WsFrontEnd ws;
    SwarmEngine engine;
    InetSocketAddress address;

    void start(int loops, int swarmWorkers, String... sets) throws Exception {
        List<String> all = new ArrayList<>(List.of("ws.listen=[\"127.0.0.1:0\", \"[::1]:0\"]",
            "workers.socket_workers=" + loops, "workers.swarm_workers=" + swarmWorkers));
        all.addAll(List.of(sets));
        TrackerConfig config = ConfigLoader.load(null, all);
        bank = new MetricBank(new SimpleMeterRegistry());
        serverLoops = new NioEventLoopGroup(loops);
        SwarmCore core = new SwarmCore(config, serverLoops, loops, bank,
            new WorkerThreadFactory("test-swarm", (t, e) -> e.printStackTrace()));
        engine = core.engine();
        ws = WsFrontEnd.start(config, serverLoops, core.contexts(),
            AccessList.open(config.accessList().mode(), config.accessList().path(), bank), bank, engine, null);
        address = ws.addresses().get(0);
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable c : toClose) c.close();
        if (ws != null) ws.close();
        if (engine != null) engine.close();
        if (serverLoops != null) serverLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        clientLoops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        assertEquals(0, LeakCounter.leaksAfterGc(), "ByteBuf leaks reported (see the LEAK lines in the log)");
    }

    WsTestClient client() throws Exception {
        return client(address);
    }

    WsTestClient client(InetSocketAddress to) throws Exception {
        WsTestClient c = new WsTestClient(clientLoops, to, "/announce", 1 << 20).awaitHandshake();
        toClose.add(c);
        return c;
    }

    static String peerId(char c) {
        return String.valueOf(c).repeat(20);
    }

    static String announce(String hash, String peerId, String extra) {
        return "{\"numwant\":5,\"uploaded\":0,\"downloaded\":0,\"left\":100,\"event\":\"started\",\"action\":\"announce\","
            + "\"info_hash\":\"" + hash + "\",\"peer_id\":\"" + peerId + "\"" + extra + "}";
    }

    static String offers(String... ids) {
        StringBuilder b = new StringBuilder(",\"offers\":[");
        for (int i = 0; i < ids.length; i++) {
            if (i > 0) b.append(',');
            b.append("{\"offer\":").append(OFFER).append(",\"offer_id\":\"").append(ids[i]).append("\"}");
        }
        return b.append(']').toString();
    }

    static String answer(String hash, String from, String to, String offerId) {
        return "{\"action\":\"announce\",\"info_hash\":\"" + hash + "\",\"peer_id\":\"" + from + "\",\"to_peer_id\":\""
            + to + "\",\"answer\":" + ANSWER + ",\"offer_id\":\"" + offerId + "\"}";
    }

    double metric(String name, String... tags) {
        var search = bank.registry().find(name).tags(tags);
        var counter = search.functionCounter();
        return counter != null ? counter.count() : search.gauge().value();
    }

    /**
     * The metric once it reaches {@code expected}, or its value after 5 s: for a count made after the
     * client already saw the outcome (Netty's frame decoder sends its Close frame before our handler
     * hears of the error and counts it).
     */
    double awaitMetric(double expected, String name, String... tags) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        double seen;
        while ((seen = metric(name, tags)) != expected && System.nanoTime() - deadline < 0) {
            TimeUnit.MILLISECONDS.sleep(5); // polling interval, bounded by the deadline
        }
        return seen;
    }

    @ParameterizedTest(name = "{0} socket workers")
    @ValueSource(ints = {2, 1})
    void shouldRelayAnOfferToAnotherLoopAndTheAnswerBack(int loops) throws Exception {
        String out = BINARY_HASH_OUT;
        start(loops, loops == 2 ? 2 : 0);
        WsTestClient a = client();
        WsTestClient b = client();
        if (loops == 2) {
            // consecutive connections go to consecutive loops: a and b sit on different event loops
            int[] perLoop = new int[2];
            int i = 0;
            for (EventExecutor loop : serverLoops) {
                int index = i++;
                perLoop[index] = loop.submit(() -> ws.loopsForTest()[index].connections.size()).get();
            }
            assertEquals(1, perLoop[0]);
            assertEquals(1, perLoop[1]);
        }
        a.send(announce(BINARY_HASH, peerId('A'), ""));
        assertEquals("{\"action\":\"announce\",\"interval\":" + INTERVAL + ",\"info_hash\":\"" + out
            + "\",\"complete\":0,\"incomplete\":1}", a.next());
        b.send(announce(BINARY_HASH, peerId('B'), offers("OOOOOOOOOOOOOOOOOOO1", "OOOOOOOOOOOOOOOOOOO2")));
        assertEquals("{\"action\":\"announce\",\"interval\":" + INTERVAL + ",\"info_hash\":\"" + out
            + "\",\"complete\":0,\"incomplete\":2}", b.next());
        String relayed = a.next();
        assertTrue(relayed.equals(offerRelay(out, peerId('B'), "OOOOOOOOOOOOOOOOOOO1"))
            || relayed.equals(offerRelay(out, peerId('B'), "OOOOOOOOOOOOOOOOOOO2")), relayed);
        String offerId = relayed.contains("OOOOOOOOOOOOOOOOOOO1") ? "OOOOOOOOOOOOOOOOOOO1" : "OOOOOOOOOOOOOOOOOOO2";
        assertNull(a.messages.poll(200, TimeUnit.MILLISECONDS), "one offer per recipient, one other peer");

        a.send(answer(BINARY_HASH, peerId('A'), peerId('B'), offerId));
        assertEquals("{\"action\":\"announce\",\"info_hash\":\"" + out + "\",\"peer_id\":\"" + peerId('A')
            + "\",\"offer_id\":\"" + offerId + "\",\"answer\":" + ANSWER + "}", b.next());
        a.send(answer(BINARY_HASH, peerId('A'), peerId('B'), offerId));
        assertEquals("{\"failure reason\":\"no pending offer for this answer\",\"action\":\"announce\",\"info_hash\":\""
            + out + "\"}", a.next(), "one answer per offer");
        assertEquals(1, metric("tracker_ws_relays", "kind", "offer", "result", "delivered"));
        assertEquals(1, metric("tracker_ws_relays", "kind", "answer", "result", "delivered"));
        assertEquals(2, metric("tracker_connections", "protocol", "ws"));
    }

    @Test
    void shouldCountMessagesRepliesAndPayloadBytesInTheProtocolWideFamilies() throws Exception {
        start(1, 0);
        WsTestClient a = client(); // IPv4
        WsTestClient b = client(ws.addresses().get(1)); // IPv6
        List<String> inV4 = new ArrayList<>();
        List<String> inV6 = new ArrayList<>();
        List<String> outV4 = new ArrayList<>();
        List<String> outV6 = new ArrayList<>();
        inV4.add(announce(HASH, peerId('A'), ""));
        a.send(inV4.get(0));
        outV4.add(a.next()); // announce reply
        inV6.add(announce(HASH, peerId('B'), offers("OOOOOOOOOOOOOOOOOOO1")));
        b.send(inV6.get(0));
        outV6.add(b.next()); // announce reply
        outV4.add(a.next()); // B's offer, relayed to A
        inV4.add(answer(HASH, peerId('A'), peerId('B'), "OOOOOOOOOOOOOOOOOOO1"));
        a.send(inV4.get(1));
        outV6.add(b.next()); // A's answer, relayed to B
        inV6.add("{\"action\":\"scrape\",\"info_hash\":\"" + HASH + "\"}");
        b.send(inV6.get(1));
        outV6.add(b.next()); // scrape reply
        inV4.add("{\"action\":");
        a.send(inV4.get(2));
        String failure = a.next();
        assertTrue(failure.startsWith("{\"failure reason\":"), failure);
        outV4.add(failure);

        // an answer is an announce with no reply of its own; a bad message is no request
        assertEquals(2, metric("tracker_requests", "protocol", "ws", "type", "announce", "ip_version", "4"));
        assertEquals(1, metric("tracker_requests", "protocol", "ws", "type", "announce", "ip_version", "6"));
        assertEquals(1, metric("tracker_requests", "protocol", "ws", "type", "scrape", "ip_version", "6"));
        assertEquals(0, metric("tracker_requests", "protocol", "ws", "type", "scrape", "ip_version", "4"));
        assertEquals(1, metric("tracker_responses", "protocol", "ws", "type", "announce", "ip_version", "4"));
        assertEquals(1, metric("tracker_responses", "protocol", "ws", "type", "announce", "ip_version", "6"));
        assertEquals(1, metric("tracker_responses", "protocol", "ws", "type", "scrape", "ip_version", "6"));
        assertEquals(1, metric("tracker_responses", "protocol", "ws", "type", "failure", "ip_version", "4"));
        assertEquals(1, metric("tracker_errors", "protocol", "ws", "reason", "malformed_json"));
        assertEquals(1, metric("tracker_ws_relays", "kind", "offer", "result", "delivered"));
        assertEquals(1, metric("tracker_ws_relays", "kind", "answer", "result", "delivered"));
        // frame payloads, relays by their recipient's IP version
        assertEquals(utf8Bytes(inV4), metric("tracker_received_bytes", "protocol", "ws", "ip_version", "4"));
        assertEquals(utf8Bytes(inV6), metric("tracker_received_bytes", "protocol", "ws", "ip_version", "6"));
        assertEquals(utf8Bytes(outV4), metric("tracker_sent_bytes", "protocol", "ws", "ip_version", "4"));
        assertEquals(utf8Bytes(outV6), metric("tracker_sent_bytes", "protocol", "ws", "ip_version", "6"));
    }

    static double utf8Bytes(List<String> messages) {
        return messages.stream().mapToInt(m -> m.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).sum();
    }

    static String offerRelay(String hash, String from, String offerId) {
        return "{\"action\":\"announce\",\"info_hash\":\"" + hash + "\",\"peer_id\":\"" + from + "\",\"offer_id\":\""
            + offerId + "\",\"offer\":" + OFFER + "}";
    }

    @Test
    void shouldRefuseAnAnswerWithoutAPendingOffer() throws Exception {
        start(2, 2);
        WsTestClient a = client();
        WsTestClient b = client();
        a.send(announce(HASH, peerId('A'), ""));
        a.next();
        b.send(announce(HASH, peerId('B'), ""));
        b.next();
        b.send(answer(HASH, peerId('B'), peerId('A'), "XXXXXXXXXXXXXXXXXXXX"));
        assertEquals("{\"failure reason\":\"no pending offer for this answer\",\"action\":\"announce\",\"info_hash\":\""
            + HASH + "\"}", b.next());
        assertNull(a.messages.poll(200, TimeUnit.MILLISECONDS), "nothing reaches the would-be offerer");
        assertEquals(1, metric("tracker_ws_answers_refused"));
    }

    @ParameterizedTest(name = "{0} socket workers")
    @ValueSource(ints = {2, 1})
    void shouldRemoveAPeerWhenItsConnectionClosesAndScrapeCounts(int loops) throws Exception {
        start(loops, loops == 2 ? 2 : 0);
        WsTestClient a = client();
        WsTestClient b = client();
        WsTestClient c = client();
        a.send(announce(HASH, peerId('A'), "").replace("\"left\":100", "\"left\":0").replace("started", "completed"));
        a.next();
        b.send(announce(HASH, peerId('B'), ""));
        b.next();
        String scrape = "{\"action\":\"scrape\",\"info_hash\":[\"" + HASH + "\",\"" + peerId('Z') + "\"]}";
        c.send(scrape);
        assertEquals("{\"action\":\"scrape\",\"files\":{\"" + HASH + "\":{\"complete\":1,\"downloaded\":1,\"incomplete\":1},\""
            + peerId('Z') + "\":{\"complete\":0,\"downloaded\":0,\"incomplete\":0}}}", c.next());
        b.close();
        // the close reaches the shard as a command: ask until it shows (bounded, no sleep)
        String expected = "{\"action\":\"scrape\",\"files\":{\"" + HASH + "\":{\"complete\":1,\"downloaded\":1,\"incomplete\":0},\""
            + peerId('Z') + "\":{\"complete\":0,\"downloaded\":0,\"incomplete\":0}}}";
        String got = null;
        for (int i = 0; i < 500 && !expected.equals(got); i++) {
            c.send(scrape);
            got = c.next();
        }
        assertEquals(expected, got);
        // the peer id is free again for a new connection
        WsTestClient d = client();
        d.send(announce(HASH, peerId('B'), ""));
        assertEquals("{\"action\":\"announce\",\"interval\":" + INTERVAL + ",\"info_hash\":\"" + HASH
            + "\",\"complete\":1,\"incomplete\":1}", d.next());
    }

    @Test
    void shouldRefuseTakingOverAPeerIdHeldByAnotherOpenConnection() throws Exception {
        start(2, 2);
        WsTestClient a = client();
        WsTestClient b = client();
        a.send(announce(HASH, peerId('A'), ""));
        a.next();
        b.send(announce(HASH, peerId('A'), ""));
        assertEquals("{\"failure reason\":\"peer_id in use by another connection\",\"action\":\"announce\",\"info_hash\":\""
            + HASH + "\"}", b.next());
        b.send(announce(HASH, peerId('B'), ""));
        assertEquals("{\"action\":\"announce\",\"interval\":" + INTERVAL + ",\"info_hash\":\"" + HASH
            + "\",\"complete\":0,\"incomplete\":2}", b.next(), "the connection stays usable");
        assertEquals(1, metric("tracker_errors", "protocol", "ws", "reason", "peer_id_taken"));
    }

    @ParameterizedTest(name = "{0} socket workers")
    @ValueSource(ints = {2, 1})
    void shouldAnswerBadMessagesWithAFailureAndStayOpen(int loops) throws Exception {
        start(loops, loops == 2 ? 2 : 0);
        WsTestClient a = client();
        a.send("{nope");
        assertEquals("{\"failure reason\":\"invalid JSON\"}", a.next());
        a.send("{\"action\":\"dance\",\"info_hash\":\"" + HASH + "\"}");
        assertEquals("{\"failure reason\":\"invalid action\"}", a.next());
        a.send("[1,2]");
        assertEquals("{\"failure reason\":\"message is not a JSON object\"}", a.next());
        a.send("{\"action\":\"scrape\"}");
        assertEquals("{\"failure reason\":\"scrape needs info_hash (full scrape is off)\",\"action\":\"scrape\"}", a.next());
        a.send(announce(HASH, peerId('A'), ""));
        assertEquals("{\"action\":\"announce\",\"interval\":" + INTERVAL + ",\"info_hash\":\"" + HASH
            + "\",\"complete\":0,\"incomplete\":1}", a.next());
        assertEquals(1, metric("tracker_errors", "protocol", "ws", "reason", "malformed_json"));
        assertEquals(1, metric("tracker_errors", "protocol", "ws", "reason", "unknown_action"));
    }

    @Test
    void shouldCloseABinaryFrameWith1003() throws Exception {
        start(2, 2);
        WsTestClient a = client();
        a.sendBinary(new byte[] {1, 2, 3});
        assertEquals(1003, a.closeCode.get(10, TimeUnit.SECONDS));
        assertEquals(1, awaitMetric(1, "tracker_errors", "protocol", "ws", "reason", "binary_frame"));
    }

    @Test
    void shouldCloseATextMessageThatIsNotUtf8With1007AndGoOn() throws Exception {
        start(2, 2);
        WsTestClient a = client();
        byte[] bad = announce(HASH, peerId('A'), ",\"x\":\"???\"").getBytes(StandardCharsets.UTF_8);
        int at = new String(bad, StandardCharsets.ISO_8859_1).indexOf("???");
        bad[at] = (byte) 0xED; // ED A0 80: a UTF-16 surrogate written as UTF-8, which RFC 3629 forbids
        bad[at + 1] = (byte) 0xA0;
        bad[at + 2] = (byte) 0x80;
        a.send(new TextWebSocketFrame(Unpooled.wrappedBuffer(bad)));
        assertEquals(1007, a.closeCode.get(10, TimeUnit.SECONDS));
        assertEquals(1, awaitMetric(1, "tracker_errors", "protocol", "ws", "reason", "protocol_error"));
        WsTestClient b = client();
        b.send(announce(HASH, peerId('B'), ""));
        assertEquals("{\"action\":\"announce\",\"interval\":" + INTERVAL + ",\"info_hash\":\"" + HASH
            + "\",\"complete\":0,\"incomplete\":1}", b.next(), "the worker goes on");
    }

    @Test
    void shouldCloseAMessagePastMaxFrameBytesWith1009() throws Exception {
        start(2, 2, "ws.max_frame_bytes=2048");
        WsTestClient a = client();
        a.send(announce(HASH, peerId('A'), ",\"pad\":\"" + "x".repeat(4000) + "\""));
        assertEquals(1009, a.closeCode.get(10, TimeUnit.SECONDS));
        assertEquals(1, awaitMetric(1, "tracker_errors", "protocol", "ws", "reason", "frame_too_large"));
        assertEquals(0, metric("tracker_errors", "protocol", "ws", "reason", "protocol_error"), "one frame or a fragmented message alike");
        WsTestClient b = client();
        b.send(announce(HASH, peerId('B'), ""));
        assertEquals("{\"action\":\"announce\",\"interval\":" + INTERVAL + ",\"info_hash\":\"" + HASH
            + "\",\"complete\":0,\"incomplete\":1}", b.next(), "the worker goes on");
    }

    @Test
    void shouldRefuseTheUpgradePastMaxConnectionsWith503() throws Exception {
        start(2, 2, "ws.max_connections=1");
        client();
        WsTestClient refused = new WsTestClient(clientLoops, address, "/", 1 << 16);
        toClose.add(refused);
        assertEquals(503, refused.refusedStatus.get(10, TimeUnit.SECONDS));
        assertEquals(1, metric("tracker_errors", "protocol", "ws", "reason", "max_connections"));
    }

    @Test
    void shouldServeIpv6AndAnyPath() throws Exception {
        start(2, 2);
        InetSocketAddress v6 = ws.addresses().get(1);
        WsTestClient a = new WsTestClient(clientLoops, v6, "/", 1 << 16).awaitHandshake();
        toClose.add(a);
        a.send(announce(HASH, peerId('A'), ""));
        assertEquals("{\"action\":\"announce\",\"interval\":" + INTERVAL + ",\"info_hash\":\"" + HASH
            + "\",\"complete\":0,\"incomplete\":1}", a.next());
        assertNotEquals(address.getPort(), 0);
    }
}
