package trackerd.bench;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import trackerd.net.InfoHashes;
import trackerd.swarm.ChangeBuffer;
import trackerd.swarm.SwarmShard;

/**
 * Issue 14: what one re-announce of another node's peer costs a receiving shard that holds many
 * remote peers, so that the lookups miss the core's caches as they do on a node under seven
 * streams. {@code ClusterBenchmark.applyRefresh} applies the same 4,096 changes over and over to a
 * shard of 4,096 remote peers (all cached); here each batch of {@value #BATCH} changes picks
 * random peers of one origin out of {@code peers} spread over {@code torrents} and
 * {@value #ORIGINS} origins, and the batches cycle through {@value #BATCHES} different ones
 * (about 64 MB of batches at 4 words a change), so neither the shard's arrays nor the batch
 * stay in the 2 MiB L2 between two visits. IPv4 only.
 *
 * <pre>
 * java -jar tracker-bench/target/benchmarks.jar ClusterApplyBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms4g", "-Xmx4g", "-XX:+UseParallelGC"})
public class ClusterApplyBenchmark {
    static final int BATCH = 1024;
    static final int BATCHES = 2048;
    static final int ORIGINS = 7;

    /** "torrents:peers": the feed's shape (7 nodes of 50,000 peers over 10,000 torrents), and a bigger one. */
    @Param({"10000:350000", "1000000:3000000"})
    String shape;

    private SwarmShard shard;
    private ChangeBuffer[] batches;
    private int[] origins;
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        int torrents = Integer.parseInt(shape.substring(0, shape.indexOf(':')));
        int peers = Integer.parseInt(shape.substring(shape.indexOf(':') + 1));
        shard = new SwarmShard(AnnounceBenchmark.settings(), 1);
        ChangeBuffer fill = new ChangeBuffer(4 * 65536);
        for (int origin = 0; origin < ORIGINS; origin++) {
            for (int p = origin; p < peers; p += ORIGINS) {
                if (fill.count() == 65536) {
                    shard.applyRemote(fill, origin);
                    fill.clear();
                }
                add(fill, p, torrents, 1);
            }
            shard.applyRemote(fill, origin);
            fill.clear();
        }
        SplittableRandom random = new SplittableRandom(14);
        batches = new ChangeBuffer[BATCHES];
        origins = new int[BATCHES];
        for (int i = 0; i < BATCHES; i++) {
            int origin = i % ORIGINS;
            ChangeBuffer b = new ChangeBuffer(4 * BATCH);
            for (int j = 0; j < BATCH; j++) {
                int p = origin + ORIGINS * random.nextInt((peers - origin + ORIGINS - 1) / ORIGINS);
                add(b, p, torrents, 2 + (i & 1));
            }
            batches[i] = b;
            origins[i] = origin;
        }
        System.out.printf("%n%d torrents, %d remote peers, %d applied%n", torrents, peers, shard.remoteApplied());
    }

    /** Peer p: torrent p % torrents, address 10.x.y.z from p, a third of them seeders. */
    private static void add(ChangeBuffer b, int p, int torrents, int tick) {
        int t = p % torrents;
        long address = 0x0A00_0000L + p;
        b.add(InfoHashes.synthetic(t, 0), InfoHashes.synthetic(t, 1), (int) InfoHashes.synthetic(t, 2),
            p % 3 == 0 ? ChangeBuffer.SEEDER : 0, tick, ChangeBuffer.keyWord(false, address, 6881), 0, 0);
    }

    /** One re-announce of a remote peer: found, refreshed, its origin entry updated. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long applyRefresh() {
        int i = next++ & (BATCHES - 1);
        shard.applyRemote(batches[i], origins[i]);
        return shard.remoteApplied();
    }
}
