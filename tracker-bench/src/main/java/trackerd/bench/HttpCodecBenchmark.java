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

    @Setup
    public void setUp() {
        byte[] bytes = LIBTORRENT_ANNOUNCE.getBytes(StandardCharsets.ISO_8859_1);
        target = alloc.directBuffer(bytes.length).writeBytes(bytes);
        targetLength = bytes.length;
        for (int i = 0; i < peers.length; i++) peers[i] = (byte) (i * 37 + 11);
        if (HttpTrackerRequestDecoder.decode(target, 0, targetLength, request) != HttpTrackerRequestDecoder.OK) {
            throw new IllegalStateException("benchmark target does not decode");
        }
    }

    @TearDown
    public void tearDown() {
        target.release();
    }

    @Benchmark
    public int decodeAnnounce() {
        int status = HttpTrackerRequestDecoder.decode(target, 0, targetLength, request);
        return status + request.port + request.infoHash2;
    }

    @Benchmark
    public int encodeAnnounce50Peers() {
        ByteBuf out = HttpTrackerResponseEncoder.encodeAnnounce(alloc, 812, 4021, 377, 1800, 900, peers, 50, false);
        int written = out.readableBytes();
        out.release();
        return written;
    }
}
