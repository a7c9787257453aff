package trackerd.bench;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import trackerd.metrics.MetricBank;
import trackerd.net.InfoHashes;
import trackerd.runtime.TrackerClock;
import trackerd.runtime.WorkerThreadFactory;
import trackerd.state.SwarmState;
import trackerd.swarm.AnnounceEvent;
import trackerd.swarm.RequestKind;
import trackerd.swarm.ReturnPort;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.SwarmRequest;
import trackerd.swarm.SwarmShard;

/**
 * Snapshot save and load at scale (issue 13), on a threaded engine as the daemon runs it:
 * fills {@code PEERS} peers over {@code TORRENTS} Zipf-popular torrents ({@link SkewedWorkload})
 * into {@code SHARDS} swarm workers, then
 * <ul>
 *   <li>measures announce round trips (offer to answer, one at a time, every 50 us) for as
 *       long as a save takes without a save, then during a save: the longest one during the save
 *       is the announce stall the save causes;
 *   <li>saves ({@link SwarmState#save}): time, file size, longest slice;
 *   <li>loads the file into a fresh engine ({@link SwarmState#load}): time, peers restored.
 * </ul>
 * {@code java -Xms6g -Xmx6g -XX:+UseParallelGC -cp tracker-bench/target/benchmarks.jar
 * trackerd.bench.StateBenchmark 10000000 1000000 1 /tmp/state-bench}
 */
public final class StateBenchmark {
    private StateBenchmark() {}

    public static void main(String[] args) throws Exception {
        long peers = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000;
        int torrents = args.length > 1 ? Integer.parseInt(args[1]) : (int) (peers / 10);
        int shards = args.length > 2 ? Integer.parseInt(args[2]) : 1;
        Path dir = Path.of(args.length > 3 ? args[3] : "/tmp/trackerd-state-bench");
        Files.createDirectories(dir);
        TrackerClock clock = TrackerClock.start();

        SwarmEngine engine = engine(shards, clock);
        engine.start();
        long started = System.nanoTime();
        fill(engine, new SkewedWorkload(peers, torrents));
        System.out.printf("filled %,d peers over %,d torrents in %d shard(s) in %.1f s%n", peers, torrents, shards,
            (System.nanoTime() - started) / 1e9);
        SwarmState state = new SwarmState(dir, 86_400, engine, clock, new SimpleMeterRegistry(),
            new WorkerThreadFactory("bench-saver", (t, e) -> e.printStackTrace()));

        for (int round = 1; round <= 3; round++) {
            System.gc();
            long saveStart;
            Prober quiet = new Prober(engine);
            quiet.start();
            LockSupport.parkNanos(Math.max(lastSaveNanos, TimeUnit.SECONDS.toNanos(2)));
            quiet.stop();
            Prober during = new Prober(engine);
            during.start();
            saveStart = System.nanoTime();
            if (!state.save()) throw new IllegalStateException("save failed");
            lastSaveNanos = System.nanoTime() - saveStart;
            during.stop();
            System.out.printf("save %d: %.2f s, %,d bytes (%.1f bytes a peer), longest slice %.2f ms (%.2f ms CPU); announce round "
                    + "trip: longest %.2f ms during the save (%,d probes), %.2f ms in %.1f s without a save (%,d probes)%n",
                round, lastSaveNanos / 1e9, Files.size(state.file()), (double) Files.size(state.file()) / peers,
                state.longestSliceSeconds() * 1e3, state.longestSliceCpuSeconds() * 1e3, during.longest / 1e6, during.count, quiet.longest / 1e6,
                Math.max(lastSaveNanos, TimeUnit.SECONDS.toNanos(2)) / 1e9, quiet.count);
        }
        engine.close();
        engine = null;
        state = null;
        System.gc();

        for (int round = 1; round <= 3; round++) {
            SwarmEngine fresh = engine(shards, clock);
            SwarmState loading = new SwarmState(dir, 86_400, fresh, clock, new SimpleMeterRegistry(),
                new WorkerThreadFactory("bench-saver", (t, e) -> e.printStackTrace()));
            long loadStart = System.nanoTime();
            String outcome = loading.load();
            long took = System.nanoTime() - loadStart;
            long held = 0;
            fresh.start();
            for (int s = 0; s < shards; s++) held += peersOf(fresh, s);
            System.out.printf("load %d: %s, %,d peers in %.2f s%n", round, outcome, held, took / 1e9);
            fresh.close();
            System.gc();
        }
    }

    private static long lastSaveNanos;

    static SwarmEngine engine(int shards, TrackerClock clock) {
        return new SwarmEngine(AnnounceBenchmark.settings(), shards, 4096, new MetricBank(new SimpleMeterRegistry()),
            clock, new WorkerThreadFactory("swarm", (t, e) -> e.printStackTrace()));
    }

    static long peersOf(SwarmEngine engine, int shard) throws InterruptedException {
        long[] out = new long[1];
        CountDownLatch done = new CountDownLatch(1);
        engine.execute(shard, s -> {
            out[0] = s.peers(false) + s.peers(true);
            done.countDown();
        });
        done.await();
        return out[0];
    }

    /** Announces every peer once, in commands of 10,000 per shard (the inbox holds 4,096 commands). */
    static void fill(SwarmEngine engine, SkewedWorkload workload) throws InterruptedException {
        long peer = 0;
        int chunk = 10_000;
        long[][] hashes = new long[engine.shards()][];
        for (int t = 0; t < workload.torrents; ) {
            int from = t;
            long firstPeer = peer;
            int end = from;
            long n = 0;
            while (end < workload.torrents && n < chunk) n += workload.swarmSize[end++];
            t = end;
            peer += n;
            CountDownLatch done = new CountDownLatch(engine.shards());
            int to = end;
            for (int s = 0; s < engine.shards(); s++) {
                int shard = s;
                while (!engine.execute(shard, target -> {
                    SwarmRequest r = SwarmRequest.detached(0);
                    int tick = SwarmShard.tick(0);
                    long p = firstPeer;
                    for (int i = from; i < to; i++) {
                        long h0 = InfoHashes.synthetic(i, 0);
                        long h1 = InfoHashes.synthetic(i, 1);
                        int h2 = (int) InfoHashes.synthetic(i, 2);
                        boolean mine = engine.shardOf(h0, h1, h2) == shard;
                        for (int k = 0; k < workload.swarmSize[i]; k++, p++) {
                            if (!mine) continue;
                            r.infoHash0 = h0;
                            r.infoHash1 = h1;
                            r.infoHash2 = h2;
                            r.address0 = SkewedWorkload.address(p);
                            r.port = SkewedWorkload.port(p);
                            r.seeder = SkewedWorkload.seeder(p);
                            r.event = AnnounceEvent.STARTED;
                            r.numwant = 0;
                            target.announce(r, tick);
                        }
                    }
                    done.countDown();
                })) {
                    Thread.onSpinWait();
                }
            }
            done.await();
        }
        if (hashes.length < 0) System.out.println();
    }

    /** One announce at a time to every shard in turn, timing offer to answer. */
    static final class Prober implements ReturnPort, Runnable {
        private final SwarmEngine engine;
        private final SwarmRequest request;
        private final Thread thread = new Thread(this, "prober");
        private volatile boolean answered;
        private volatile boolean running = true;
        long longest;
        long count;

        Prober(SwarmEngine engine) {
            this.engine = engine;
            this.request = new SwarmRequest(this, 0, 50);
        }

        void start() {
            thread.start();
        }

        void stop() throws InterruptedException {
            running = false;
            thread.join();
        }

        @Override
        public void run() {
            int shard = 0;
            for (long i = 0; running; i++) {
                request.reset();
                request.kind = RequestKind.ANNOUNCE;
                request.infoHash0 = InfoHashes.synthetic((int) (i % 1000), 0);
                request.infoHash1 = InfoHashes.synthetic((int) (i % 1000), 1);
                request.infoHash2 = (int) InfoHashes.synthetic((int) (i % 1000), 2);
                shard = engine.shardOf(request.infoHash0, request.infoHash1, request.infoHash2);
                request.address0 = 0x0a00_0000L + (i % 1000);
                request.port = 6881;
                request.numwant = 50;
                answered = false;
                long start = System.nanoTime();
                if (!engine.offer(shard, request)) continue;
                engine.wakeIfParked(shard);
                while (!answered) Thread.onSpinWait();
                long took = System.nanoTime() - start;
                if (took > longest) longest = took;
                count++;
                LockSupport.parkNanos(50_000);
            }
        }

        @Override
        public void deliver(SwarmRequest answeredRequest) {
            answered = true;
        }

        @Override
        public void wake() {}
    }
}
