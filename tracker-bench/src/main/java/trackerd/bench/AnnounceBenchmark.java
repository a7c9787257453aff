package trackerd.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import trackerd.config.TrackerConfig;
import trackerd.swarm.AnnounceEvent;
import trackerd.swarm.SwarmRequest;
import trackerd.net.InfoHashes;
import trackerd.swarm.SwarmSettings;
import trackerd.swarm.SwarmShard;

/**
 * Announces per second on one swarm shard (one swarm worker's work, no hand-off), on a
 * skewed population: 100,000 torrents holding 1,000,000 peers by Zipf's law, so the five
 * largest swarms hold 50,000 to 75,000 peers and most hold one or two. Each announce picks a
 * torrent by the same skew and a known or new peer, and asks for 50 peers (the default).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms2g", "-Xmx2g", "-XX:+UseParallelGC"})
public class AnnounceBenchmark {
    private static final int REQUESTS = 1 << 20;

    private SwarmShard shard;
    private final SwarmRequest slot = SwarmRequest.detached(50);
    private int[] torrentOf;
    private long[] peerOf;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        SkewedWorkload workload = new SkewedWorkload(1_000_000, 100_000);
        shard = PeerMemoryBenchmark.fill(workload);
        // requests follow the popularity skew: pick a peer uniformly, announce to its torrent
        long[] firstPeer = new long[workload.torrents + 1];
        for (int t = 0; t < workload.torrents; t++) firstPeer[t + 1] = firstPeer[t] + workload.swarmSize[t];
        SplittableRandom random = new SplittableRandom(42);
        torrentOf = new int[REQUESTS];
        peerOf = new long[REQUESTS];
        for (int i = 0; i < REQUESTS; i++) {
            long peer = random.nextLong(workload.peers);
            int lo = 0;
            int hi = workload.torrents - 1;
            while (lo < hi) {
                int mid = (lo + hi + 1) >>> 1;
                if (firstPeer[mid] <= peer) lo = mid;
                else hi = mid - 1;
            }
            torrentOf[i] = lo;
            // one in ten is a peer the tracker has not seen
            peerOf[i] = random.nextInt(10) == 0 ? workload.peers + random.nextLong(workload.peers) : peer;
        }
    }

    @Benchmark
    public int announce() {
        int i = next++ & (REQUESTS - 1);
        int t = torrentOf[i];
        long peer = peerOf[i];
        SwarmRequest r = slot;
        torrent(r, t);
        r.address0 = SkewedWorkload.address(peer);
        r.port = SkewedWorkload.port(peer);
        r.seeder = SkewedWorkload.seeder(peer);
        r.event = AnnounceEvent.NONE;
        r.numwant = -1;
        shard.announce(r, 0);
        return r.peerCount;
    }

    /** The made-up info hash of torrent rank {@code t}, into the slot. */
    static void torrent(SwarmRequest r, int t) {
        r.infoHash0 = InfoHashes.synthetic(t, 0);
        r.infoHash1 = InfoHashes.synthetic(t, 1);
        r.infoHash2 = (int) InfoHashes.synthetic(t, 2);
    }

    /** Settings the benchmark shards use; kept here so the benchmarks agree. */
    static SwarmSettings settings() {
        return new SwarmSettings(new TrackerConfig.Swarm(1800, 900, 2700, 50, 50, 60, false),
            new TrackerConfig.Limits(Integer.MAX_VALUE, Integer.MAX_VALUE, 64, Integer.MAX_VALUE, 0, 0));
    }
}
