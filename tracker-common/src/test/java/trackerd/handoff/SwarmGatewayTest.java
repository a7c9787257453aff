package trackerd.handoff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import trackerd.metrics.MetricBank;
import trackerd.runtime.WorkerThreadFactory;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.SwarmSettings;

@Timeout(60)
class SwarmGatewayTest {
    final List<EventLoop> loops = new ArrayList<>();
    final AtomicReference<Throwable> died = new AtomicReference<>();
    SwarmEngine engine;

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();

    SwarmEngine engine(int shards, int queueCapacity) {
        SwarmSettings settings = new SwarmSettings(2700, 50, 50, 1_000_000, 1_000_000, 64, 60, 1800, 900);
        engine = new SwarmEngine(settings, shards, queueCapacity, new MetricBank(registry),
            new WorkerThreadFactory("swarm", (t, e) -> died.set(e)));
        engine.start();
        return engine;
    }

    @AfterEach
    void close() throws Exception {
        if (engine != null) engine.close();
        for (EventLoop loop : loops) loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
        assertEquals(null, died.get());
    }

    /** Counts answers on one loop; fails on a second answer or a foreign thread. */
    static final class RecordingHandler implements ResponseHandler {
        final EventLoop loop;
        final BitSet answered = new BitSet();
        int answers;
        int batches;
        final List<String> problems = new ArrayList<>();

        RecordingHandler(EventLoop loop) {
            this.loop = loop;
        }

        @Override
        public void onResponse(RequestSlot slot) {
            if (!loop.inEventLoop()) problems.add("answer on " + Thread.currentThread().getName());
            if (answered.get(slot.transactionId)) problems.add("answered twice: " + slot.transactionId);
            if (slot.status != RequestSlot.OK) problems.add("status " + slot.status);
            answered.set(slot.transactionId);
            answers++;
            slot.release();
        }

        @Override
        public void onBatchEnd() {
            batches++;
        }
    }

    @Test
    void everyRequestShouldBeAnsweredOnceOnItsOwnLoopOrRefusedAndCounted() throws Exception {
        engine(3, 64);
        int producers = 4;
        int perProducer = 50_000;
        List<CompletableFuture<int[]>> results = new ArrayList<>();
        List<RecordingHandler> handlers = new ArrayList<>();
        for (int p = 0; p < producers; p++) {
            EventLoop loop = new DefaultEventLoop();
            loops.add(loop);
            RecordingHandler handler = new RecordingHandler(loop);
            handlers.add(handler);
            SwarmGateway gateway = engine.gatewayFor(loop);
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
                        RequestSlot slot = gateway.acquire();
                        if (slot == null) {
                            refused[0]++;
                            handler.answered.set(id);
                            continue;
                        }
                        slot.transactionId = id;
                        slot.handler = handler;
                        slot.infoHash0 = id % 1000;
                        slot.infoHash1 = producer;
                        slot.address0 = 0x7F000001L;
                        slot.port = 1 + id % 60_000;
                        slot.numwant = 5;
                        if (!gateway.submitAnnounce(slot)) {
                            refused[1]++;
                            handler.answered.set(id);
                            slot.release();
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
        // wait until every loop has its whole pool back: nothing is in flight any more
        for (int p = 0; p < producers; p++) {
            SwarmGateway gateway = engine.gatewayFor(loops.get(p));
            RecordingHandler handler = handlers.get(p);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (loops.get(p).submit(gateway::freeSlots).get() != 64) {
                assertTrue(System.nanoTime() < deadline, "slots never came back");
                Thread.onSpinWait();
            }
            int[] state = loops.get(p).submit(() -> new int[] {handler.answered.cardinality(), handler.problems.size()}).get();
            assertEquals(perProducer, state[0], "every id answered or refused");
            assertEquals(0, state[1], handler.problems.toString());
        }
        int answers = 0;
        for (RecordingHandler h : handlers) answers += loops.get(handlers.indexOf(h)).submit(() -> h.answers).get();
        assertEquals(producers * perProducer, answers + refusedTotal);
        assertTrue(answers > 0);
    }

    /** 4 shards: split and merged across threads; 0: inline, answered on the loop as submitted. */
    @ParameterizedTest
    @ValueSource(ints = {4, 0})
    void scrapeAcrossShardsShouldBeSplitAndMerged(int swarmWorkers) throws Exception {
        engine(swarmWorkers, 1024);
        EventLoop loop = new DefaultEventLoop();
        loops.add(loop);
        SwarmGateway gateway = engine.gatewayFor(loop);
        CompletableFuture<int[]> answer = new CompletableFuture<>();
        int torrents = 40;
        ResponseHandler handler = new ResponseHandler() {
            int announced;

            @Override
            public void onResponse(RequestSlot slot) {
                if (slot.kind == RequestSlot.ANNOUNCE) {
                    slot.release();
                    if (++announced == torrents * 2) scrape();
                    return;
                }
                int[] out = new int[slot.scrapeCount * 3 + 2];
                System.arraycopy(slot.scrapeResults, 0, out, 0, slot.scrapeCount * 3);
                out[out.length - 2] = slot.status;
                out[out.length - 1] = slot.scrapeCount;
                slot.release();
                answer.complete(out);
            }

            void scrape() {
                RequestSlot slot = gateway.acquire();
                slot.handler = this;
                for (int t = torrents - 1; t >= 0; t--) slot.addScrapeHash(t, t, t);
                slot.addScrapeHash(999, 999, 999);
                assertTrue(gateway.submitScrape(slot));
                gateway.flush();
            }

            @Override
            public void onBatchEnd() {}
        };
        loop.execute(() -> {
            // torrent t: t % 3 + 1 seeders... simply: one seeder and one leecher, t completed-free
            for (int t = 0; t < torrents; t++) {
                for (int peer = 0; peer < 2; peer++) {
                    RequestSlot slot = gateway.acquire();
                    slot.handler = handler;
                    slot.infoHash0 = t;
                    slot.infoHash1 = t;
                    slot.infoHash2 = t;
                    slot.address0 = 0x0A000001L + peer;
                    slot.port = 6881;
                    slot.seeder = peer == 0;
                    slot.event = peer == 0 ? RequestSlot.EVENT_COMPLETED : RequestSlot.EVENT_STARTED;
                    slot.numwant = 0;
                    assertTrue(gateway.submitAnnounce(slot));
                }
            }
            gateway.flush();
        });
        int[] out = answer.get(20, TimeUnit.SECONDS);
        assertEquals(RequestSlot.OK, out[out.length - 2]);
        assertEquals(torrents + 1, out[out.length - 1]);
        for (int i = 0; i < torrents; i++) {
            assertEquals(1, out[3 * i], "seeders of hash " + i);
            assertEquals(1, out[3 * i + 1], "completed of hash " + i);
            assertEquals(1, out[3 * i + 2], "leechers of hash " + i);
        }
        assertEquals(0, out[3 * torrents] + out[3 * torrents + 1] + out[3 * torrents + 2]);
        assertEquals(1024, loop.submit(gateway::freeSlots).get(), "every part slot released");
    }

    @Test
    void inlineEngineShouldAnswerOnTheCallingLoopAndRefuseASecondLoop() throws Exception {
        engine(0, 64);
        EventLoop loop = new DefaultEventLoop();
        loops.add(loop);
        SwarmGateway gateway = engine.gatewayFor(loop);
        RecordingHandler handler = new RecordingHandler(loop);
        int[] answeredDuringSubmit = loop.submit(() -> {
            int[] seen = new int[10];
            for (int id = 0; id < seen.length; id++) {
                RequestSlot slot = gateway.acquire();
                slot.transactionId = id;
                slot.handler = handler;
                slot.infoHash0 = 7;
                slot.address0 = 0x7F000001L;
                slot.port = 1000 + id;
                slot.numwant = 50;
                assertTrue(gateway.submitAnnounce(slot));
                seen[id] = handler.answers; // already answered: no queue, no thread
            }
            return seen;
        }).get();
        for (int id = 0; id < answeredDuringSubmit.length; id++) assertEquals(id + 1, answeredDuringSubmit[id]);
        assertEquals(List.of(), loop.submit(() -> handler.problems).get());
        assertEquals(64, loop.submit(gateway::freeSlots).get());
        // housekeeping runs on the loop too: the shard's gauges are published within milliseconds
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (registry.get("tracker_peers").tags("ip_version", "4", "status", "leecher").gauge().value() != 10) {
            assertTrue(System.nanoTime() < deadline, "peers gauge never published");
            Thread.sleep(5);
        }
        EventLoop other = new DefaultEventLoop();
        loops.add(other);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> engine.gatewayFor(other));
        assertTrue(e.getMessage().contains("one socket worker"), e.getMessage());
    }
}
