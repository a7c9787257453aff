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
import trackerd.cluster.ChangeBatchCodec;
import trackerd.net.InfoHashes;
import trackerd.swarm.ChangeBuffer;
import trackerd.swarm.SwarmShard;

/**
 * Cluster sync costs per change (issue 14), on batches of {@value #BATCH} changes, one in five
 * IPv6: to encode a captured batch into the wire message on the publisher, and on a receiving node
 * to decode it into a shard batch and apply it to a shard (the swarm worker's part: what competes
 * with its own clients). {@code applyRefresh}: the batch's peers are already there (a re-announce,
 * the common case); {@code applyNew}: every change is a new remote peer in one of 100,000
 * torrents (the shard is rebuilt every {@value #ROUNDS} batches). Bytes per change: printed at setup.
 * {@code announceAlone} / {@code announceCaptured}: a re-announce (ten peers a torrent, 50 asked)
 * without and with change capture, for the cost a cluster adds to the announce path.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g", "-XX:+UseParallelGC"})
public class ClusterBenchmark {
    static final int BATCH = 4096;
    static final int ROUNDS = 64;

    @Param({"100000"})
    int torrents;

    private ChangeBuffer captured;
    private final ChangeBatchCodec.Writer writer = new ChangeBatchCodec.Writer("node-01.example.net-a1b2c3");
    private final ChangeBatchCodec.Header header = new ChangeBatchCodec.Header();
    private final ChangeBuffer decoded = new ChangeBuffer(BATCH * 6);
    private byte[] message;
    private byte[][] fresh;
    private int round;
    private SwarmShard refreshShard;
    private SwarmShard newShard;
    private SwarmShard plainShard;
    private SwarmShard capturingShard;
    private ChangeBuffer capture;
    private final trackerd.swarm.SwarmRequest slot = trackerd.swarm.SwarmRequest.detached(50);
    private int next;

    @Setup(Level.Trial)
    public void setUp() {
        SplittableRandom random = new SplittableRandom(7);
        captured = batch(random);
        message = encode(captured);
        System.out.printf("%n%d changes (1 in 5 IPv6): %d bytes, %.2f bytes a change (IPv4 %d, IPv6 %d)%n", BATCH,
            message.length, (double) message.length / BATCH, ChangeBatchCodec.IPV4_CHANGE_BYTES,
            ChangeBatchCodec.IPV6_CHANGE_BYTES);
        fresh = new byte[ROUNDS][];
        for (int i = 0; i < ROUNDS; i++) fresh[i] = encode(batch(random));
        refreshShard = new SwarmShard(AnnounceBenchmark.settings(), 1);
        apply(refreshShard, message);
        newShard = new SwarmShard(AnnounceBenchmark.settings(), 1);
        plainShard = new SwarmShard(AnnounceBenchmark.settings(), 1);
        capturingShard = new SwarmShard(AnnounceBenchmark.settings(), 1);
        capture = new ChangeBuffer(1 << 16);
        capturingShard.swapChanges(capture);
        for (int i = 0; i < 1 << 20; i++) {
            announce(plainShard, i);
            announce(capturingShard, i);
            capture.clear();
        }
    }

    /** Announce of peer i of 1,048,576 (about ten a torrent), as a refresh once the setup added it. */
    private int announce(SwarmShard shard, int i) {
        int t = i % torrents;
        trackerd.swarm.SwarmRequest r = slot;
        AnnounceBenchmark.torrent(r, t);
        r.ipv6 = false;
        r.address0 = 0x0A00_0000L + i;
        r.port = 6881;
        r.seeder = (i & 3) == 0;
        r.event = trackerd.swarm.AnnounceEvent.NONE;
        r.numwant = -1;
        shard.announce(r, 0);
        return r.peerCount;
    }

    /** Baseline: a re-announce on a shard without a cluster. */
    @Benchmark
    public int announceAlone() {
        return announce(plainShard, next++ & ((1 << 20) - 1));
    }

    /** The same re-announce with the change captured for the publisher (the cluster's hot-path cost). */
    @Benchmark
    public int announceCaptured() {
        if (capture.count() == 16_000) capture.clear(); // the publisher's part, every 16,000 changes
        return announce(capturingShard, next++ & ((1 << 20) - 1));
    }

    private ChangeBuffer batch(SplittableRandom random) {
        ChangeBuffer b = new ChangeBuffer(BATCH * 6);
        for (int i = 0; i < BATCH; i++) {
            int t = random.nextInt(torrents);
            boolean v6 = random.nextInt(5) == 0;
            long address = v6 ? random.nextLong() : random.nextInt() & 0xFFFF_FFFFL;
            int port = 1 + random.nextInt(65535);
            int flags = (v6 ? ChangeBuffer.IPV6 : 0) | (random.nextInt(3) == 0 ? ChangeBuffer.SEEDER : 0);
            b.add(InfoHashes.synthetic(t, 0), InfoHashes.synthetic(t, 1), (int) InfoHashes.synthetic(t, 2), flags, 0,
                ChangeBuffer.keyWord(v6, address, port), v6 ? 0x2001_0db8L << 32 : 0, v6 ? address : 0);
        }
        return b;
    }

    private byte[] encode(ChangeBuffer b) {
        writer.begin(1, false);
        for (int pos = 0, end = b.size(); pos < end; pos = b.next(pos)) writer.add(b, pos, 0);
        return writer.finish();
    }

    private void apply(SwarmShard shard, byte[] m) {
        ChangeBatchCodec.read(m, header);
        decoded.clear();
        ChangeBatchCodec.forEachChange(m, header, 0, decoded::add);
        shard.applyRemote(decoded, 1);
    }

    /** Publisher: one captured change into the message. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int encode() {
        return encode(captured).length;
    }

    /** Receiver: check + decode one change (the subscriber thread's part). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int decode() {
        ChangeBatchCodec.read(message, header);
        decoded.clear();
        ChangeBatchCodec.forEachChange(message, header, 0, decoded::add);
        return decoded.count();
    }

    /** Receiver: decode and apply one change whose peer is already there (re-announce). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long applyRefresh() {
        apply(refreshShard, message);
        return refreshShard.remoteApplied();
    }

    /** Receiver: decode and apply one change that adds a new remote peer. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long applyNew() {
        if (round == ROUNDS) {
            round = 0;
            newShard = new SwarmShard(AnnounceBenchmark.settings(), 1); // counted: 1/64 of the rounds
        }
        apply(newShard, fresh[round++]);
        return newShard.remoteApplied();
    }
}
