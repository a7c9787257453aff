package trackerd.stats;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import trackerd.metrics.PageSource;
import trackerd.runtime.WorkerThreadFactory;
import trackerd.swarm.SwarmEngine;

/**
 * The stats page ({@code GET /stats}) and its JSON ({@code GET /stats.json}) on the metrics
 * address: everything is computed on a timer thread of its own ({@code stats-01}), never per
 * page view, and a view renders the latest {@link StatsSnapshot}.
 *
 * <ul>
 * <li>Once a second the timer reads the protocol-wide metric families from the registry
 *     ({@code tracker_requests} by {@code protocol}, {@code tracker_torrents},
 *     {@code tracker_peers}, {@code tracker_completed} by {@code swarm_kind}), so every front end
 *     that counts in those families (udp, http, ws) shows up with no code here, feeds the
 *     per-second ring of {@link RequestRates} and publishes a new snapshot.</li>
 * <li>The top {@value #TOP_TORRENTS} torrents by peers come from the swarm workers: a
 *     {@link trackerd.swarm.ShardCommand} per shard walks that shard on its own thread
 *     ({@code SwarmShard.forEachTorrent} into a {@link TopTorrents} of 20), and the last shard to
 *     finish hands the parts to the timer thread, which merges them. A walk holds up that shard's
 *     announces for as long as it takes (one whole shard per command, as a full scrape walks it:
 *     15-45 ms for 1,000,000 one-peer torrents, measured on a shared 2-core machine), so it runs at most
 *     every {@value #TOP_REFRESH_SECONDS} s and only while someone looks at the page (a view in
 *     the last {@value #VIEWED_SECONDS} s): an unwatched tracker never walks its swarms for it.</li>
 * </ul>
 *
 * <p>Threading: {@link #page} from any thread (the metrics thread); the rest runs on the timer
 * thread, apart from the walks on the swarm threads.
 */
public final class TrackerStats implements PageSource, AutoCloseable {
    static final int TOP_TORRENTS = 20;
    static final long TOP_REFRESH_SECONDS = 5;
    static final long VIEWED_SECONDS = 60;
    /** A walk not finished by then (a worker stopping) no longer holds up the next one. */
    private static final long TOP_GIVE_UP_SECONDS = 30;
    static final String HTML = "text/html; charset=utf-8";
    static final String JSON = "application/json";

    private final MeterRegistry registry;
    private final SwarmEngine engine;
    private final String version;
    private final LongSupplier uptimeSeconds;
    private final ScheduledExecutorService timer;
    private final RequestRates rates = new RequestRates();
    private volatile StatsSnapshot latest;
    /** Uptime of the last page view; read by the timer. */
    private volatile long viewedAtSeconds = Long.MIN_VALUE / 2;

    // timer thread only
    private List<StatsSnapshot.TopTorrent> top = List.of();
    private long topTakenAtSeconds = -1;
    private long walkStartedAtSeconds = Long.MIN_VALUE / 2;
    private boolean walking;
    private int walk;

    /**
     * @param registry where the tracker's metrics are registered
     * @param engine the swarm workers that walk their shards for the top list
     * @param uptimeSeconds seconds since the process started (any thread)
     */
    public TrackerStats(MeterRegistry registry, SwarmEngine engine, String version, LongSupplier uptimeSeconds,
                        WorkerThreadFactory threads) {
        this.registry = registry;
        this.engine = engine;
        this.version = version;
        this.uptimeSeconds = uptimeSeconds;
        this.timer = Executors.newSingleThreadScheduledExecutor(threads);
        sample(); // a page before the first tick shows the start, not nothing
        publish();
    }

    /** Starts the once-a-second sampling. */
    public TrackerStats start() {
        timer.scheduleAtFixedRate(this::tick, 1, 1, TimeUnit.SECONDS);
        return this;
    }

    @Override
    public Page page(String path) {
        StatsSnapshot s = latest;
        return switch (path) {
            case "/stats", "/stats/" -> {
                viewedAtSeconds = s.uptimeSeconds();
                yield new Page(HTML, StatsPage.render(s));
            }
            case "/stats.json" -> {
                viewedAtSeconds = s.uptimeSeconds();
                yield new Page(JSON, StatsJson.render(s));
            }
            default -> null;
        };
    }

    /** The snapshot pages show now. */
    public StatsSnapshot latest() {
        return latest;
    }

    /** Timer thread: sample, maybe start a walk for the top list, publish. */
    private void tick() {
        try {
            long now = uptimeSeconds.getAsLong();
            if (walking && now - walkStartedAtSeconds > TOP_GIVE_UP_SECONDS) walking = false;
            if (!walking && now - viewedAtSeconds <= VIEWED_SECONDS && now - walkStartedAtSeconds >= TOP_REFRESH_SECONDS) {
                startWalk(now);
            }
            sample();
            publish();
        } catch (RuntimeException e) {
            // a broken meter must not end the timer (a scheduled task that throws is never run again)
            org.slf4j.LoggerFactory.getLogger(TrackerStats.class).warn("stats sample failed: {}", e.toString());
        }
    }

    /** Once a second: the request totals into the rate ring. */
    private void sample() {
        Map<String, Long> requests = new TreeMap<>();
        for (Meter m : registry.find("tracker_requests").meters()) {
            String protocol = m.getId().getTag("protocol");
            if (protocol != null && m instanceof FunctionCounter c) requests.merge(protocol, (long) c.count(), Long::sum);
        }
        rates.sample(requests);
    }

    /** A new snapshot: rates as of the last sample, the other counts as of now. */
    private void publish() {
        List<StatsSnapshot.KindCount> torrents = kinds("tracker_torrents");
        List<StatsSnapshot.KindCount> completed = kinds("tracker_completed");
        Map<String, Long> peerCounts = new HashMap<>();
        for (Meter m : registry.find("tracker_peers").meters()) {
            String kind = m.getId().getTag("swarm_kind");
            String ipVersion = m.getId().getTag("ip_version");
            String status = m.getId().getTag("status");
            if (kind != null && ipVersion != null && status != null && m instanceof Gauge g) {
                peerCounts.merge(kind + '\n' + ipVersion + '\n' + status, (long) g.value(), Long::sum);
            }
        }
        List<StatsSnapshot.PeerCount> peers = new ArrayList<>();
        peerCounts.forEach((key, n) -> {
            String[] k = key.split("\n", 3);
            peers.add(new StatsSnapshot.PeerCount(k[0], k[1], k[2], n));
        });
        // by kind, IP version, then seeder before leecher (the page draws one row per kind and version)
        peers.sort(Comparator.comparing(StatsSnapshot.PeerCount::swarmKind).thenComparing(StatsSnapshot.PeerCount::ipVersion)
            .thenComparing(StatsSnapshot.PeerCount::status, Comparator.reverseOrder()));
        long now = uptimeSeconds.getAsLong();
        latest = new StatsSnapshot(version, now, System.currentTimeMillis() / 1000, rates.rates(), torrents, peers,
            completed, top, topTakenAtSeconds < 0 ? -1 : now - topTakenAtSeconds);
    }

    private List<StatsSnapshot.KindCount> kinds(String name) {
        Map<String, Long> byKind = new TreeMap<>();
        for (Meter m : registry.find(name).meters()) {
            String kind = m.getId().getTag("swarm_kind");
            if (kind == null) continue;
            if (m instanceof Gauge g) byKind.merge(kind, (long) g.value(), Long::sum);
            if (m instanceof FunctionCounter c) byKind.merge(kind, (long) c.count(), Long::sum);
        }
        List<StatsSnapshot.KindCount> out = new ArrayList<>(byKind.size());
        byKind.forEach((kind, n) -> out.add(new StatsSnapshot.KindCount(kind, n)));
        return out;
    }

    /** Timer thread: one command per shard; the last to finish hands the parts back here. */
    private void startWalk(long now) {
        walking = true;
        walkStartedAtSeconds = now;
        int id = ++walk;
        int shards = engine.shards();
        TopTorrents[] parts = new TopTorrents[shards];
        AtomicInteger left = new AtomicInteger(shards);
        for (int i = 0; i < shards; i++) {
            int shard = i;
            boolean queued = engine.execute(shard, s -> {
                TopTorrents part = new TopTorrents(TOP_TORRENTS);
                s.forEachTorrent(part);
                parts[shard] = part; // published to the timer by the decrement and the executor hand-off
                if (left.decrementAndGet() == 0) timer.execute(() -> walked(id, parts, now));
            });
            // a full inbox: that shard is left out of this round (its part stays null)
            if (!queued && left.decrementAndGet() == 0) timer.execute(() -> walked(id, parts, now));
        }
    }

    private void walked(int id, TopTorrents[] parts, long startedAt) {
        if (id != walk) return; // given up on; a newer walk runs
        top = TopTorrents.merge(parts, TOP_TORRENTS);
        topTakenAtSeconds = startedAt;
        walking = false;
        publish(); // show it now rather than at the next tick (no rate sample: those stay a second apart)
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
