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
import trackerd.swarm.AnnounceEvent;
import trackerd.swarm.SwarmRequest;
import trackerd.swarm.SwarmShard;

/**
 * Time per announce on one swarm shard under the load tester's default workload, the one the
 * opentracker comparison uses: 50,000 peers bound to 10,000 Zipf torrents, 30 % seeders, 5 %
 * started, 2 % completed, 3 % stopped (so small torrents keep disappearing and coming back),
 * 50 peers asked for. Where {@link AnnounceBenchmark} is dominated by five huge swarms, here
 * most of the time goes into picking reply peers from mid-sized, open-addressed swarms.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ChurnBenchmark {
    private static final int REQUESTS = 1 << 20;
    private static final int TORRENTS = 10_000;
    private static final int PEERS = 50_000;

    private final SwarmShard shard = new SwarmShard(AnnounceBenchmark.settings(), 1);
    private final SwarmRequest slot = SwarmRequest.detached(50);
    private final int[] peerOf = new int[REQUESTS];
    private final int[] torrentOfPeer = new int[PEERS];
    private final AnnounceEvent[] eventOf = new AnnounceEvent[REQUESTS];
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        double[] cumulative = new double[TORRENTS];
        double sum = 0;
        for (int r = 0; r < TORRENTS; r++) cumulative[r] = sum += 1.0 / (r + 1);
        SplittableRandom random = new SplittableRandom(7);
        for (int p = 0; p < PEERS; p++) {
            double u = random.nextDouble() * sum;
            int lo = 0;
            int hi = TORRENTS - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cumulative[mid] < u) lo = mid + 1;
                else hi = mid;
            }
            torrentOfPeer[p] = lo;
        }
        for (int i = 0; i < REQUESTS; i++) {
            peerOf[i] = random.nextInt(PEERS);
            int x = random.nextInt(100);
            eventOf[i] = x < 5 ? AnnounceEvent.STARTED : x < 7 ? AnnounceEvent.COMPLETED
                : x < 10 ? AnnounceEvent.STOPPED : AnnounceEvent.NONE;
        }
        for (int i = 0; i < REQUESTS; i++) announce(); // the swarms at their steady size
    }

    @Benchmark
    public int announce() {
        int i = next++ & (REQUESTS - 1);
        int peer = peerOf[i];
        int t = torrentOfPeer[peer];
        SwarmRequest r = slot;
        AnnounceBenchmark.torrent(r, t);
        r.address0 = 0x7F000001L;
        r.port = 1 + peer;
        r.seeder = peer % 10 < 3;
        r.event = eventOf[i];
        r.numwant = 50;
        shard.announce(r, 0);
        return r.peerCount;
    }
}
