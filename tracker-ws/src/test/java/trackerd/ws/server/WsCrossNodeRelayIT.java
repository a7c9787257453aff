package trackerd.ws.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import trackerd.access.AccessList;
import trackerd.config.ConfigLoader;
import trackerd.config.TrackerConfig;
import trackerd.loop.SwarmCore;
import trackerd.metrics.MetricBank;
import trackerd.runtime.WorkerThreadFactory;
import trackerd.swarm.ChangeBuffer;
import trackerd.swarm.CrossNodeRelay;
import trackerd.swarm.CrossNodeRelays;
import trackerd.swarm.SwarmEngine;

/**
 * The WebTorrent front end's half of relays across cluster nodes (issue 14), on a real engine and
 * real sockets, with the cluster stood in for: a peer of another node (applied to the shard as
 * that node's change) gets a local client's offer as a {@link CrossNodeRelay} (routing fields and
 * the exact frame a local recipient would get), a relay routed in from another node reaches the
 * local client byte for byte through {@link WsFrontEnd#relayDoor}, and a full cluster queue is
 * counted. Paranoid leak detection as in {@link WsTrackerIT}.
 */
@Timeout(60)
class WsCrossNodeRelayIT {
    static final boolean LEAKS_COUNTED = LeakCounter.install();
    static final int ORIGIN = 5; // the other node's origin index here
    static final long H = 0x6161_6161_6161_6161L; // "aaaa..." as words
    static final long R = 0x5252_5252_5252_5252L; // peer id "RRRR...": the other node's browser

    final List<AutoCloseable> toClose = new ArrayList<>();
    EventLoopGroup serverLoops;
    EventLoopGroup clientLoops = new NioEventLoopGroup(1);
    MetricBank bank;
    WsFrontEnd ws;
    SwarmEngine engine;
    InetSocketAddress address;
    final LinkedBlockingQueue<CrossNodeRelay> sent = new LinkedBlockingQueue<>();
    volatile boolean queueFull;

    void start() throws Exception {
        TrackerConfig config = ConfigLoader.load(null, List.of("ws.listen=[\"127.0.0.1:0\"]",
            "workers.socket_workers=2", "workers.swarm_workers=2"));
        bank = new MetricBank(new SimpleMeterRegistry());
        serverLoops = new NioEventLoopGroup(2);
        SwarmCore core = new SwarmCore(config, serverLoops, 2, bank,
            new WorkerThreadFactory("test-swarm", (t, e) -> e.printStackTrace()));
        engine = core.engine();
        ws = WsFrontEnd.start(config, serverLoops, core.contexts(),
            AccessList.open(config.accessList().mode(), config.accessList().path(), bank), bank, engine, null);
        address = ws.addresses().get(0);
        // the cluster's queue: keeps a copy of each relay (the holder is the loop's, reused)
        ws.relayAcrossNodes(relay -> {
            if (queueFull) return false;
            CrossNodeRelay copy = new CrossNodeRelay();
            copy.kind = relay.kind;
            copy.origin = relay.origin;
            copy.infoHash0 = relay.infoHash0;
            copy.infoHash2 = relay.infoHash2;
            copy.from0 = relay.from0;
            copy.from2 = relay.from2;
            copy.offer0 = relay.offer0;
            copy.offer2 = relay.offer2;
            copy.to0 = relay.to0;
            copy.to2 = relay.to2;
            copy.frame = java.util.Arrays.copyOf(relay.frame, relay.frameLength);
            copy.frameLength = relay.frameLength;
            sent.add(copy);
            return true;
        });
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
        WsTestClient c = new WsTestClient(clientLoops, address, "/announce", 1 << 20).awaitHandshake();
        toClose.add(c);
        return c;
    }

    /** Runs {@code command} on the shard of torrent "aaaa..." and waits for it. */
    void onShard(trackerd.swarm.ShardCommand command) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        assertTrue(engine.execute(engine.shardOf(H, H, (int) H), s -> {
            command.execute(s);
            done.complete(null);
        }));
        done.get(10, TimeUnit.SECONDS);
    }

    /** The other node's browser "RRRR..." joins torrent "aaaa..." (its change, applied as that node's). */
    void remotePeerJoins() throws Exception {
        ChangeBuffer batch = new ChangeBuffer(16);
        batch.add(H, H, (int) H, ChangeBuffer.WEBTORRENT, 0, R, R, (int) R & 0xFFFF_FFFFL);
        onShard(s -> s.applyRemote(batch, ORIGIN));
    }

    double metric(String name, String... tags) {
        var search = bank.registry().find(name).tags(tags);
        var counter = search.functionCounter();
        return counter != null ? counter.count() : search.gauge().value();
    }

    @Test
    void anOfferForAnotherNodesPeerShouldGoToTheClusterAndItsAnswerArriveThroughTheDoor() throws Exception {
        start();
        remotePeerJoins();
        WsTestClient offerer = client();
        offerer.send(WsTrackerIT.announce(WsTrackerIT.HASH, WsTrackerIT.peerId('O'),
            WsTrackerIT.offers("OOOOOOOOOOOOOOOOOOO1")));
        assertTrue(offerer.next().contains("\"incomplete\":2"), "the other node's peer counts here");

        CrossNodeRelay offer = sent.poll(10, TimeUnit.SECONDS);
        assertNotNull(offer, "the offer went to the cluster");
        assertEquals(CrossNodeRelay.OFFER, offer.kind);
        assertEquals(ORIGIN, offer.origin, "to the node that holds the recipient");
        assertEquals(H, offer.infoHash0);
        assertEquals(0x4F4F_4F4F_4F4F_4F4FL, offer.from0, "from the offerer");
        assertEquals(R, offer.to0, "to the recipient");
        assertEquals(0x4F4F_4F31, offer.offer2, "offer id ...O1");
        assertEquals(WsTrackerIT.offerRelay(WsTrackerIT.HASH, WsTrackerIT.peerId('O'), "OOOOOOOOOOOOOOOOOOO1"),
            new String(offer.frame, StandardCharsets.UTF_8), "the frame a local recipient would get");
        assertEquals(1, metric("tracker_ws_relays", "kind", "offer", "result", "other_node"));

        // the other node's browser answers: its node routes the answer here, the shard checks it
        String frame = "{\"action\":\"announce\",\"info_hash\":\"" + WsTrackerIT.HASH + "\",\"peer_id\":\""
            + WsTrackerIT.peerId('R') + "\",\"offer_id\":\"OOOOOOOOOOOOOOOOOOO1\",\"answer\":" + WsTrackerIT.ANSWER + "}";
        byte[] bytes = ("xx" + frame).getBytes(StandardCharsets.UTF_8); // a message whose frame starts at 2
        boolean[] routed = {false, false};
        onShard(s -> {
            routed[0] = s.routeRemoteAnswer(H, H, (int) H, 0x4F4F_4F4F_4F4F_4F4FL, 0x4F4F_4F4F_4F4F_4F4FL, 0x4F4F_4F31,
                R, R, (int) R, 0x4F4F_4F4F_4F4F_4F4FL, 0x4F4F_4F4F_4F4F_4F4FL, 0x4F4F_4F4F, 0);
            if (routed[0]) {
                routed[1] = ws.relayDoor().deliver(s.routedLoop(), s.routedConnection(), CrossNodeRelay.ANSWER, bytes,
                    2, bytes.length - 2);
            }
        });
        assertTrue(routed[0], "the offer was pending for this answerer");
        assertTrue(routed[1], "the loop's inbox took it");
        assertEquals(frame, offerer.next(), "byte for byte");
        assertEquals(1, metric("tracker_ws_relays", "kind", "answer", "result", "delivered"));

        // a full cluster queue drops the offer and counts it
        queueFull = true;
        offerer.send(WsTrackerIT.announce(WsTrackerIT.HASH, WsTrackerIT.peerId('O'),
            WsTrackerIT.offers("OOOOOOOOOOOOOOOOOOO2")));
        offerer.next();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (metric("tracker_ws_relays", "kind", "offer", "result", "node_queue_full") < 1) {
            assertTrue(System.nanoTime() - deadline < 0, "queue-full drop counted");
            TimeUnit.MILLISECONDS.sleep(10);
        }
    }

    @Test
    void aLocalAnswerToAnotherNodesOfferShouldGoBackToThatNode() throws Exception {
        start();
        remotePeerJoins(); // the offerer, on the other node
        WsTestClient answerer = client();
        answerer.send(WsTrackerIT.announce(WsTrackerIT.HASH, WsTrackerIT.peerId('A'), ""));
        answerer.next();
        String frame = WsTrackerIT.offerRelay(WsTrackerIT.HASH, WsTrackerIT.peerId('R'), "OOOOOOOOOOOOOOOOOOO7");
        byte[] bytes = frame.getBytes(StandardCharsets.UTF_8);
        onShard(s -> {
            assertTrue(s.routeRemoteOffer(H, H, (int) H, 0x4F4F_4F4F_4F4F_4F4FL, 0x4F4F_4F4F_4F4F_4F4FL, 0x4F4F_4F37,
                R, R, (int) R, 0x4141_4141_4141_4141L, 0x4141_4141_4141_4141L, 0x4141_4141, 0, ORIGIN));
            ws.relayDoor().deliver(s.routedLoop(), s.routedConnection(), CrossNodeRelay.OFFER, bytes, 0, bytes.length);
        });
        assertEquals(frame, answerer.next(), "the other node's offer, byte for byte");

        answerer.send(WsTrackerIT.answer(WsTrackerIT.HASH, WsTrackerIT.peerId('A'), WsTrackerIT.peerId('R'),
            "OOOOOOOOOOOOOOOOOOO7"));
        CrossNodeRelay answer = sent.poll(10, TimeUnit.SECONDS);
        assertNotNull(answer, "the answer went to the cluster");
        assertEquals(CrossNodeRelay.ANSWER, answer.kind);
        assertEquals(ORIGIN, answer.origin);
        assertEquals(0x4141_4141_4141_4141L, answer.from0, "from the answerer");
        assertEquals(R, answer.to0, "to the offerer");
        assertEquals("{\"action\":\"announce\",\"info_hash\":\"" + WsTrackerIT.HASH + "\",\"peer_id\":\""
            + WsTrackerIT.peerId('A') + "\",\"offer_id\":\"OOOOOOOOOOOOOOOOOOO7\",\"answer\":" + WsTrackerIT.ANSWER + "}",
            new String(answer.frame, StandardCharsets.UTF_8));
    }
}
