package trackerd.http.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.Comparator;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.http.protocol.HttpTrackerResponseEncoder;
import trackerd.runtime.TrackerClock;
import trackerd.runtime.WorkerThreadFactory;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.SwarmShard;
import trackerd.swarm.TorrentCountSink;

/**
 * Full scrapes ({@code /scrape} without {@code info_hash}, {@code http.full_scrape = true}),
 * served from one bencoded snapshot of every torrent's counts that is at most
 * {@code http.full_scrape_max_age_seconds} old, so a flood of full scrapes costs one walk over the
 * swarms per that many seconds, not one per request.
 *
 * <p>A snapshot is built on demand: the first full scrape that finds none fresh enough starts a
 * build and waits (its connection's answer slot stays pending). Each swarm worker walks its own
 * shard in a {@link trackerd.swarm.ShardCommand} (on its thread, off the request path) and keeps
 * at most {@code http.full_scrape_max_torrents} torrents, those with the most peers (a min-heap
 * over primitive arrays); a thread of its own then merges the shards' parts, keeps the overall
 * top by peers, sorts them into bencode key order and encodes the reply body once. Event loops
 * that have waiting requests are then called back on their own threads.
 *
 * <p>Size: about 70 bytes per torrent (a 100,000-torrent scrape is about 7 MB), built into a heap
 * {@code byte[]} and shared read-only by every reply; a build holds up to shards x max_torrents x
 * 36 bytes of parts for a moment.
 *
 * <p>Thread safety: {@link #fresh}, {@link #await} and {@link #latest} from any thread.
 */
final class FullScrapes implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FullScrapes.class);

    /** A built reply body; {@code body} null when the build failed (a shard's inbox was full). */
    record Snapshot(byte[] body, long takenAtSeconds, int torrents) {}

    private final SwarmEngine engine;
    private final TrackerClock clock;
    private final int maxAgeSeconds;
    private final int maxTorrents;
    private final ExecutorService assembler;
    private final AtomicBoolean building = new AtomicBoolean();
    private final ConcurrentLinkedQueue<Runnable> waiting = new ConcurrentLinkedQueue<>();
    private volatile Snapshot latest;

    FullScrapes(SwarmEngine engine, TrackerClock clock, int maxAgeSeconds, int maxTorrents,
                Thread.UncaughtExceptionHandler onDeath) {
        this.engine = engine;
        this.clock = clock;
        this.maxAgeSeconds = maxAgeSeconds;
        this.maxTorrents = maxTorrents;
        this.assembler = Executors.newSingleThreadExecutor(new WorkerThreadFactory("full-scrape", onDeath));
    }

    /** The reply body of a snapshot at most max-age old, or null. */
    byte[] fresh(long nowSeconds) {
        Snapshot s = latest;
        return s != null && s.body != null && nowSeconds - s.takenAtSeconds <= maxAgeSeconds ? s.body : null;
    }

    /** The last snapshot published, or null before the first build ends. */
    Snapshot latest() {
        return latest;
    }

    /**
     * Runs {@code callback} (once, on the thread that publishes) after the next snapshot is
     * published, starting a build if none is running. A caller that finds a fresh snapshot after
     * calling this may answer at once: the callback then finds nothing left to answer.
     */
    void await(Runnable callback) {
        waiting.add(callback);
        if (building.compareAndSet(false, true)) build();
    }

    private void build() {
        long takenAt = clock.nowSeconds();
        int shards = engine.shards();
        Part[] parts = new Part[shards];
        AtomicInteger left = new AtomicInteger(shards);
        for (int i = 0; i < shards; i++) {
            int shard = i;
            boolean queued = engine.execute(shard, s -> {
                parts[shard] = Part.collect(s, maxTorrents);
                if (left.decrementAndGet() == 0) assembler.execute(() -> publish(parts, takenAt));
            });
            // a full inbox: that part stays null and the build fails (answered "busy")
            if (!queued && left.decrementAndGet() == 0) assembler.execute(() -> publish(parts, takenAt));
        }
    }

    private void publish(Part[] parts, long takenAt) {
        Snapshot snapshot;
        try {
            snapshot = assemble(parts, takenAt);
        } catch (RuntimeException | OutOfMemoryError e) {
            LOG.warn("full scrape snapshot failed: {}", e.toString());
            snapshot = new Snapshot(null, takenAt, 0);
        }
        latest = snapshot;
        building.set(false);
        Runnable callback;
        while ((callback = waiting.poll()) != null) {
            try {
                callback.run();
            } catch (RuntimeException e) { // an event loop shutting down refuses the task: nothing to answer
                LOG.debug("full scrape waiters not told: {}", e.toString());
            }
        }
    }

    private Snapshot assemble(Part[] parts, long takenAt) {
        int total = 0;
        for (Part part : parts) {
            if (part == null) return new Snapshot(null, takenAt, 0);
            total += part.count;
        }
        long[] hashes = new long[total * 3];
        int[] results = new int[total * 3];
        int at = 0;
        for (Part part : parts) {
            System.arraycopy(part.hashes, 0, hashes, at * 3, part.count * 3);
            System.arraycopy(part.results, 0, results, at * 3, part.count * 3);
            at += part.count;
        }
        Integer[] order = new Integer[total];
        for (int i = 0; i < total; i++) order[i] = i;
        int kept = total;
        if (total > maxTorrents) {
            Arrays.sort(order, Comparator.comparingLong(i -> -((long) results[i * 3] + results[i * 3 + 2])));
            kept = maxTorrents;
            order = Arrays.copyOf(order, kept);
        }
        Arrays.sort(order, (a, b) -> compareHashes(hashes, a, b));
        int[] sorted = new int[kept];
        for (int i = 0; i < kept; i++) sorted[i] = order[i];
        int length = HttpTrackerResponseEncoder.scrapeLength(results, sorted, kept);
        byte[] body = new byte[length];
        ByteBuf out = Unpooled.wrappedBuffer(body).writerIndex(0);
        HttpTrackerResponseEncoder.writeScrape(out, hashes, results, sorted, kept);
        return new Snapshot(body, takenAt, kept);
    }

    /** Bencode key order: the 20 bytes unsigned, which is h0, h1, h2 compared unsigned. */
    private static int compareHashes(long[] hashes, int a, int b) {
        int c = Long.compareUnsigned(hashes[a * 3], hashes[b * 3]);
        if (c != 0) return c;
        c = Long.compareUnsigned(hashes[a * 3 + 1], hashes[b * 3 + 1]);
        if (c != 0) return c;
        return Integer.compareUnsigned((int) hashes[a * 3 + 2], (int) hashes[b * 3 + 2]);
    }

    @Override
    public void close() {
        assembler.shutdownNow();
    }

    /**
     * One shard's torrents, at most {@code max}: when more come, a min-heap on peer count (seeders
     * plus leechers) keeps those with the most. Built on the shard's thread, then handed over.
     */
    static final class Part implements TorrentCountSink {
        final int max;
        long[] hashes = new long[3 * 64];
        /** Per torrent: seeders, completed, leechers (the encoder's layout). */
        int[] results = new int[3 * 64];
        int count;

        private Part(int max) {
            this.max = max;
        }

        static Part collect(SwarmShard shard, int max) {
            Part part = new Part(max);
            shard.forEachTorrent(part);
            return part;
        }

        @Override
        public boolean accept(long h0, long h1, int h2, int seeders, int completed, int leechers) {
            if (count < max) {
                if (count * 3 == hashes.length) {
                    int grown = Math.min(max, count * 2) * 3;
                    hashes = Arrays.copyOf(hashes, grown);
                    results = Arrays.copyOf(results, grown);
                }
                set(count, h0, h1, h2, seeders, completed, leechers);
                siftUp(count++);
            } else if ((long) seeders + leechers > peers(0)) {
                set(0, h0, h1, h2, seeders, completed, leechers); // replace the smallest
                siftDown(0);
            }
            return true;
        }

        private void set(int i, long h0, long h1, int h2, int seeders, int completed, int leechers) {
            hashes[3 * i] = h0;
            hashes[3 * i + 1] = h1;
            hashes[3 * i + 2] = h2;
            results[3 * i] = seeders;
            results[3 * i + 1] = completed;
            results[3 * i + 2] = leechers;
        }

        private long peers(int i) {
            return (long) results[3 * i] + results[3 * i + 2];
        }

        private void siftUp(int i) {
            while (i > 0) {
                int parent = (i - 1) / 2;
                if (peers(parent) <= peers(i)) return;
                swap(i, parent);
                i = parent;
            }
        }

        private void siftDown(int i) {
            while (true) {
                int smallest = i;
                int l = 2 * i + 1;
                int r = l + 1;
                if (l < count && peers(l) < peers(smallest)) smallest = l;
                if (r < count && peers(r) < peers(smallest)) smallest = r;
                if (smallest == i) return;
                swap(i, smallest);
                i = smallest;
            }
        }

        private void swap(int a, int b) {
            for (int k = 0; k < 3; k++) {
                long h = hashes[3 * a + k];
                hashes[3 * a + k] = hashes[3 * b + k];
                hashes[3 * b + k] = h;
                int r = results[3 * a + k];
                results[3 * a + k] = results[3 * b + k];
                results[3 * b + k] = r;
            }
        }
    }
}
