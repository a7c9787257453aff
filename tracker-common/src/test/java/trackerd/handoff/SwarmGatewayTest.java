package trackerd.handoff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import trackerd.config.TrackerConfig;
import trackerd.loop.LoopContexts;
import trackerd.metrics.MetricBank;
import trackerd.runtime.TrackerClock;
import trackerd.runtime.WorkerThreadFactory;
import trackerd.swarm.AnnounceEvent;
import trackerd.swarm.RequestKind;
import trackerd.swarm.RequestStatus;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.SwarmRequest;
import trackerd.swarm.SwarmSettings;

/** The hand-off between socket workers and swarm workers, threaded (N shards) and inline (0). */
@Timeout(60)
class SwarmGatewayTest {
    final AtomicReference<Throwable> died = new AtomicReference<>();
    SimpleMeterRegistry registry;
    DefaultEventLoopGroup group;
    SwarmEngine engine;
    LoopContexts contexts;
    final List<EventLoop> loops = new ArrayList<>();

    /** {@code loops} event loops, each with a gateway of {@code slots} requests, on an engine. */
    void start(int swarmWorkers, int loopCount, int slots) {
        registry = new SimpleMeterRegistry();
        MetricBank bank = new MetricBank(registry);
        SwarmSettings settings = new SwarmSettings(new TrackerConfig.Swarm(1800, 900, 2700, 50, 50, 60, false),
            new TrackerConfig.Limits(1_000_000, 1_000_000, 64, Integer.MAX_VALUE, 0, 0));
        TrackerClock clock = TrackerClock.start();
        engine = new SwarmEngine(settings, swarmWorkers, slots, bank, clock,
            new WorkerThreadFactory("swarm", (t, e) -> died.set(e)));
        engine.start();
        group = new DefaultEventLoopGroup(loopCount);
        contexts = new LoopContexts(group, engine, bank, clock, new GatewaySizing(slots, 8, 50, 64), 100);
        group.forEach(e -> loops.add((EventLoop) e));
    }

    SwarmGateway gateway(int loop) {
        return contexts.of(loops.get(loop)).gateway();
    }

    @AfterEach
    void close() throws Exception {
        if (engine != null) engine.close();
        if (group != null) group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        assertNull(died.get());
    }

    /** Records answers on one loop; notes any answer on a foreign thread, twice, or inside a submit. */
    static final class RecordingHandler implements ResponseHandler {
        final EventLoop loop;
        final SwarmGateway gateway;
        final BitSet answered = new BitSet();
        final List<String> problems = new ArrayList<>();
        int answers;
        int batches;
        int answersSinceBatchEnd;
        boolean submitting;

        RecordingHandler(EventLoop loop, SwarmGateway gateway) {
            this.loop = loop;
            this.gateway = gateway;
        }

        @Override
        public void onResponse(SwarmRequest answered) {
            if (!loop.inEventLoop()) problems.add("answer on " + Thread.currentThread().getName());
            if (submitting) problems.add("answered inside a submit call");
            int id = (int) answered.context;
            if (this.answered.get(id)) problems.add("answered twice: " + id);
            if (answered.status != RequestStatus.OK) problems.add("status " + answered.status);
            this.answered.set(id);
            answers++;
            answersSinceBatchEnd++;
            gateway.release(answered);
        }

        @Override
        public void onBatchEnd() {
            if (answersSinceBatchEnd == 0) problems.add("batch end without answers");
            answersSinceBatchEnd = 0;
            batches++;
        }

        boolean submit(SwarmRequest request) {
            submitting = true;
            try {
                return gateway.submitAnnounce(request, this);
            } finally {
                submitting = false;
            }
        }
    }

    static void fillAnnounce(SwarmRequest request, int id, long torrent, int host) {
        request.context = id;
        request.infoHash0 = torrent;
        request.infoHash1 = torrent;
        request.address0 = 0x7F000000L + host;
        request.port = 1 + id % 60_000;
        request.numwant = 5;
    }

    @Test
    void everyRequestShouldBeAnsweredOnceOnItsOwnLoopOrRefusedAndCounted() throws Exception {
        int producers = 4;
        int perProducer = 50_000;
        start(3, producers, 64);
        List<CompletableFuture<int[]>> results = new ArrayList<>();
        List<RecordingHandler> handlers = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            EventLoop loop = loops.get(p);
            SwarmGateway gateway = gateway(p);
            RecordingHandler handler = new RecordingHandler(loop, gateway);
            handlers.add(handler);
            CompletableFuture<int[]> done = new CompletableFuture<>();
            results.add(done);
            int producer = p;
            // refused[0]: pool empty, refused[1]: queue full; bursts of 64 like a read batch
            int[] refused = new int[2];
            AtomicInteger next = new AtomicInteger();
            Runnable burst = new Runnable() {
                @Override
                public void run() {
                    for (int i = 0; i < 64 && next.get() < perProducer; i++) {
                        int id = next.getAndIncrement();
                        SwarmRequest request = gateway.acquire();
                        if (request == null) {
                            refused[0]++;
                            handler.answered.set(id);
                            continue;
                        }
                        fillAnnounce(request, id, id % 1000, producer);
                        if (!handler.submit(request)) {
                            refused[1]++;
                            handler.answered.set(id);
                            gateway.release(request);
                        }
                    }
                    gateway.flush();
                    if (next.get() < perProducer) loop.execute(this);
                    else done.complete(refused);
                }
            };
            loop.execute(burst);
        }
        int refusedTotal = 0;
        for (CompletableFuture<int[]> f : results) {
            int[] refused = f.get(30, TimeUnit.SECONDS);
            refusedTotal += refused[0] + refused[1];
        }
        int answers = 0;
        for (int p = 0; p < producers; p++) {
            awaitAllFree(p, 64);
            RecordingHandler handler = handlers.get(p);
            int[] state = loops.get(p).submit(() -> new int[] {handler.answered.cardinality(), handler.problems.size(),
                handler.answers}).get();
            assertEquals(perProducer, state[0], "every id answered or refused");
            assertEquals(0, state[1], handler.problems.toString());
            answers += state[2];
        }
        assertEquals(producers * perProducer, answers + refusedTotal);
        assertTrue(answers > 0);
    }

    void awaitAllFree(int loop, int slots) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        SwarmGateway gateway = gateway(loop);
        while (loops.get(loop).submit(gateway::freeSlots).get() != slots) {
            assertTrue(System.nanoTime() < deadline, "requests never came back");
            Thread.sleep(1);
        }
    }

    /**
     * The one front-end contract, in both modes: answers arrive on the submitting loop after the
     * submit call returned, and each batch of answers ends with one onBatchEnd.
     */
    @ParameterizedTest
    @ValueSource(ints = {2, 0})
    void answersShouldComeAfterSubmitOnTheLoopThenOneBatchEnd(int swarmWorkers) throws Exception {
        start(swarmWorkers, 1, 64);
        EventLoop loop = loops.get(0);
        RecordingHandler handler = new RecordingHandler(loop, gateway(0));
        for (int batch = 0; batch < 5; batch++) {
            int first = batch * 10;
            int answeredDuringSubmits = loop.submit(() -> {
                for (int id = first; id < first + 10; id++) {
                    SwarmRequest request = gateway(0).acquire();
                    fillAnnounce(request, id, 7, id);
                    assertTrue(handler.submit(request));
                }
                int seen = handler.answers;
                gateway(0).flush(); // end of the read batch
                return seen;
            }).get();
            assertEquals(first, answeredDuringSubmits, "nothing is answered before the read batch ends");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (loop.submit(() -> handler.answers).get() < first + 10) {
                assertTrue(System.nanoTime() < deadline, "answers never came");
                Thread.sleep(1);
            }
        }
        awaitAllFree(0, 64);
        assertEquals(List.of(), loop.submit(() -> handler.problems).get());
        int[] state = loop.submit(() -> new int[] {handler.answersSinceBatchEnd, handler.batches}).get();
        assertEquals(0, state[0], "every answer was followed by a batch end");
        assertTrue(state[1] >= 5, "at least one batch end per read batch: " + state[1]);
    }

    /** 4 shards: split and merged across threads; 1: sent whole; 0: inline. */
    @ParameterizedTest
    @ValueSource(ints = {4, 1, 0})
    void scrapeAcrossShardsShouldBeSplitAndMerged(int swarmWorkers) throws Exception {
        start(swarmWorkers, 1, 1024);
        EventLoop loop = loops.get(0);
        SwarmGateway gateway = gateway(0);
        CompletableFuture<int[]> answer = new CompletableFuture<>();
        int torrents = 40;
        ResponseHandler handler = new ResponseHandler() {
            int announced;

            @Override
            public void onResponse(SwarmRequest answered) {
                if (answered.kind == RequestKind.ANNOUNCE) {
                    gateway.release(answered);
                    if (++announced == torrents * 2) scrape();
                    return;
                }
                int n = answered.scrape.count();
                int[] out = new int[n * 3 + 2];
                for (int i = 0; i < n; i++) {
                    out[3 * i] = answered.scrape.seeders(i);
                    out[3 * i + 1] = answered.scrape.completed(i);
                    out[3 * i + 2] = answered.scrape.leechers(i);
                }
                out[out.length - 2] = answered.status.ordinal();
                out[out.length - 1] = n;
                gateway.release(answered);
                answer.complete(out);
            }

            void scrape() {
                SwarmRequest request = gateway.acquireScrape();
                for (int t = torrents - 1; t >= 0; t--) request.scrape.add(t, t, t);
                request.scrape.add(999, 999, 999);
                assertTrue(gateway.submitScrape(request, this));
            }

            @Override
            public void onBatchEnd() {
                gateway.flush(); // the scrape sent from an answer goes out (and, inline, comes back)
            }
        };
        loop.execute(() -> {
            // every torrent: one seeder that completed, one leecher
            for (int t = 0; t < torrents; t++) {
                for (int peer = 0; peer < 2; peer++) {
                    SwarmRequest request = gateway.acquire();
                    request.infoHash0 = t;
                    request.infoHash1 = t;
                    request.infoHash2 = t;
                    request.address0 = 0x0A000001L + peer;
                    request.port = 6881;
                    request.seeder = peer == 0;
                    request.event = peer == 0 ? AnnounceEvent.COMPLETED : AnnounceEvent.STARTED;
                    request.numwant = 0;
                    assertTrue(gateway.submitAnnounce(request, handler));
                }
            }
            gateway.flush();
        });
        int[] out = answer.get(20, TimeUnit.SECONDS);
        assertEquals(RequestStatus.OK.ordinal(), out[out.length - 2]);
        assertEquals(torrents + 1, out[out.length - 1]);
        for (int i = 0; i < torrents; i++) {
            int t = torrents - 1 - i;
            assertEquals(1, out[3 * i], "seeders of torrent " + t);
            assertEquals(1, out[3 * i + 1], "completed of torrent " + t);
            assertEquals(1, out[3 * i + 2], "leechers of torrent " + t);
        }
        assertEquals(0, out[3 * torrents] + out[3 * torrents + 1] + out[3 * torrents + 2]);
        awaitAllFree(0, 1024);
    }

    @Test
    void scrapeShouldBeRefusedWhenNoScrapeBlockIsFree() throws Exception {
        start(1, 1, 64);
        SwarmGateway gateway = gateway(0);
        int taken = loops.get(0).submit(() -> {
            int n = 0;
            while (gateway.acquireScrape() != null) n++;
            return n;
        }).get();
        assertEquals(8, taken, "scrape blocks are pooled apart from requests");
        assertEquals(64 - 8, loops.get(0).submit(gateway::freeSlots).get());
    }

    @Test
    void inlineEngineShouldRefuseASecondLoopAndRunHousekeepingOnItsLoop() throws Exception {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> start(0, 2, 64));
        assertTrue(e.getMessage().contains("one socket worker"), e.getMessage());
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        group = null;
        engine.close();
        loops.clear();

        start(0, 1, 64);
        EventLoop loop = loops.get(0);
        RecordingHandler handler = new RecordingHandler(loop, gateway(0));
        loop.submit(() -> {
            for (int id = 0; id < 10; id++) {
                SwarmRequest request = gateway(0).acquire();
                fillAnnounce(request, id, 7, id);
                assertTrue(handler.submit(request));
            }
            gateway(0).flush();
        }).get();
        assertEquals(10, loop.submit(() -> handler.answers).get(), "inline: answered by the end of the batch");
        // the duty cycle runs on the loop too: the shard's gauges are published within milliseconds
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (registry.get("tracker_peers").tags("swarm_kind", "bittorrent", "ip_version", "4", "status", "leecher").gauge().value() != 10) {
            assertTrue(System.nanoTime() < deadline, "peers gauge never published");
            Thread.sleep(5);
        }
    }

    /**
     * The inline engine runs commands on the socket loop, where no request queues to cut a run
     * short: a cycle stops after about 2 ms of them and the loop turns to its other work (its
     * sockets) before it goes on, instead of running up to 64 commands of 1,024 remote changes
     * (tens of milliseconds) at once.
     */
    @Test
    void inlineCommandsShouldTakeTurnsWithTheLoopsOtherWork() throws Exception {
        start(0, 1, 64);
        EventLoop loop = loops.get(0);
        int[] turns = new int[1]; // loop turns that ran other work, as a socket read would
        boolean[] stop = new boolean[1];
        Runnable otherWork = new Runnable() {
            @Override
            public void run() {
                turns[0]++;
                if (!stop[0]) loop.schedule(this, 0, TimeUnit.NANOSECONDS);
            }
        };
        loop.execute(otherWork);
        int commands = 40;
        int[] turnSeen = new int[commands];
        CountDownLatch ran = new CountDownLatch(commands);
        for (int i = 0; i < commands; i++) {
            int n = i;
            assertTrue(engine.execute(0, shard -> {
                long until = System.nanoTime() + 1_000_000; // a 1 ms slice of another node's changes
                while (System.nanoTime() < until) Thread.onSpinWait();
                turnSeen[n] = turns[0];
                ran.countDown();
            }));
        }
        assertTrue(ran.await(10, TimeUnit.SECONDS), "commands never ran");
        loop.submit(() -> stop[0] = true).get();
        long runs = java.util.Arrays.stream(turnSeen).distinct().count();
        assertTrue(runs >= commands / 4, "40 commands of 1 ms ran in " + runs + " runs between the loop's other work");
    }

    /** Commands do not wait for request slots: they run with every request of the loop in flight. */
    @ParameterizedTest
    @ValueSource(ints = {2, 0})
    void commandsShouldRunOnTheShardThreadWhenNoRequestSlotIsFree(int swarmWorkers) throws Exception {
        start(swarmWorkers, 1, 64);
        SwarmGateway gateway = gateway(0);
        loops.get(0).submit(() -> {
            while (gateway.acquire() != null) { } // the whole pool taken, never given back
        }).get();
        int shards = engine.shards();
        CountDownLatch ran = new CountDownLatch(shards);
        List<String> threads = java.util.Collections.synchronizedList(new ArrayList<>());
        assertEquals(shards, engine.executeOnAll(shard -> {
            threads.add(Thread.currentThread().getName());
            ran.countDown();
        }));
        // a failing command is counted and the worker goes on
        assertTrue(engine.execute(0, shard -> {
            throw new IllegalStateException("bad command");
        }));
        assertTrue(ran.await(10, TimeUnit.SECONDS), "commands never ran");
        for (String thread : threads) {
            assertTrue(thread.startsWith(swarmWorkers == 0 ? "defaultEventLoopGroup" : "swarm"), thread);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (registry.get("tracker_swarm_internal_errors").functionCounter().count() != 1) {
            assertTrue(System.nanoTime() < deadline, "failed command never counted");
            Thread.sleep(5);
        }
        CountDownLatch after = new CountDownLatch(1);
        assertTrue(engine.execute(0, shard -> after.countDown()));
        assertTrue(after.await(10, TimeUnit.SECONDS), "the worker went on after a failed command");
    }
}
