package trackerd.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import trackerd.http.protocol.AnnounceIntervals;
import trackerd.http.protocol.HttpTrackerRequest;
import trackerd.http.protocol.HttpTrackerRequestDecoder;
import trackerd.http.protocol.HttpTrackerResponseEncoder;

/**
 * The HTTP codec without sockets: decode a libtorrent 2.0 announce request target (percent-encoded
 * binary info hash and peer id, a dozen parameters) from a direct buffer into the reused request,
 * and encode a compact reply with 50 IPv4 peers into an exactly sized pooled buffer. Run with
 * {@code -prof gc}: both allocate about nothing per operation (leak detector off, as the daemon runs).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled") // as the daemon runs
public class HttpCodecBenchmark {
    private static final AnnounceIntervals INTERVALS = new AnnounceIntervals(1800, 900);
    /** What libtorrent-rasterbar 2.0 sends: bytes outside RFC 3986's unreserved set escaped. */
    static final String LIBTORRENT_ANNOUNCE = "/announce"
        + "?info_hash=%01%23Eg%89%ab%cd%ef%01%23Eg%89%ab%cd%ef%01%23Eg"
        + "&peer_id=-LT2000-%2a%f0%1bq%9c%02Z%8d%ee%05%b3_"
        + "&port=6881&uploaded=0&downloaded=0&left=8388608&corrupt=0&key=2E3F4A5B&event=started"
        + "&numwant=200&compact=1&no_peer_id=1&supportcrypto=1&redundant=0";

    private final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private final HttpTrackerRequest request = new HttpTrackerRequest(64);
    private final byte[] peers = new byte[50 * 6];
    private ByteBuf target;
    private int targetLength;
    /** 1,024 announce targets with random info hashes and peer ids, escaped as libtorrent does. */
    private final ByteBuf[] varied = new ByteBuf[1024];
    private int next;

    @Setup
    public void setUp() {
        byte[] bytes = LIBTORRENT_ANNOUNCE.getBytes(StandardCharsets.ISO_8859_1);
        target = alloc.directBuffer(bytes.length).writeBytes(bytes);
        targetLength = bytes.length;
        for (int i = 0; i < peers.length; i++) peers[i] = (byte) (i * 37 + 11);
        if (HttpTrackerRequestDecoder.decode(target, 0, targetLength, request) != HttpTrackerRequestDecoder.OK) {
            throw new IllegalStateException("benchmark target does not decode");
        }
        java.util.Random random = new java.util.Random(11);
        for (int i = 0; i < varied.length; i++) {
            byte[] hash = new byte[20];
            byte[] peerId = new byte[12];
            random.nextBytes(hash);
            random.nextBytes(peerId);
            String text = "/announce?info_hash=" + escape(hash) + "&peer_id=-LT2000-" + escape(peerId)
                + "&port=" + (1024 + random.nextInt(60000)) + "&uploaded=0&downloaded=0&left=" + random.nextInt(1 << 30)
                + "&corrupt=0&key=2E3F4A5B&event=started&numwant=200&compact=1&no_peer_id=1&supportcrypto=1&redundant=0";
            varied[i] = alloc.directBuffer(text.length()).writeBytes(text.getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    /** RFC 3986 unreserved bytes kept, every other byte %XX: what libtorrent sends. */
    private static String escape(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte x : bytes) {
            int b = x & 0xFF;
            boolean unreserved = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')
                || b == '-' || b == '.' || b == '_' || b == '~';
            s.append(unreserved ? String.valueOf((char) b) : String.format("%%%02X", b));
        }
        return s.toString();
    }

    @TearDown
    public void tearDown() {
        target.release();
        for (ByteBuf b : varied) b.release();
    }

    @Benchmark
    public int decodeAnnounce() {
        int status = HttpTrackerRequestDecoder.decode(target, 0, targetLength, request);
        return status + request.port + request.infoHash2;
    }

    /** As {@link #decodeAnnounce}, cycling through 1,024 different targets (the branches on random bytes are not learnt). */
    @Benchmark
    public int decodeVariedAnnounces() {
        ByteBuf in = varied[next++ & (varied.length - 1)];
        int status = HttpTrackerRequestDecoder.decode(in, 0, in.writerIndex(), request);
        return status + request.port + request.infoHash2;
    }

    @Benchmark
    public int encodeAnnounce50Peers() {
        ByteBuf out = HttpTrackerResponseEncoder.encodeAnnounce(alloc, 812, 4021, 377, INTERVALS, peers, 50, false);
        int written = out.readableBytes();
        out.release();
        return written;
    }
}
