package trackerd.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.nio.ByteBuffer;
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
import org.openjdk.jmh.annotations.Warmup;
import trackerd.swarm.SwarmRequest;
import trackerd.udp.protocol.ConnectionIds;
import trackerd.udp.protocol.UdpRequestDecoder;
import trackerd.udp.protocol.UdpResponseEncoder;

/**
 * The UDP hot path without sockets: check the connection id, decode a 98-byte announce into a
 * slot, encode a reply with 50 IPv4 peers into a pooled direct buffer and release it. Run with
 * {@code -prof gc}: the allocation rate per operation is about zero (with Netty's leak detector
 * off, as the daemon runs; at its default level it wraps one buffer in 128).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetection.level=disabled") // as the daemon runs
public class UdpCodecBenchmark {
    private ByteBuf request;
    private final SwarmRequest slot = SwarmRequest.detached(50);
    private final ConnectionIds ids = ConnectionIds.withKey(new long[] {1, 2});
    private final PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    private long connectionId;

    @Setup
    public void setUp() {
        connectionId = ids.issue(1000, 0x7F000001L, 0);
        ByteBuffer b = ByteBuffer.allocate(98).putLong(connectionId).putInt(1).putInt(42);
        for (int i = 0; i < 40; i++) b.put((byte) i);
        b.putLong(0).putLong(1000).putLong(0).putInt(0).putInt(0).putInt(0).putInt(-1).putShort((short) 6881);
        request = Unpooled.directBuffer(98).writeBytes(b.flip());
        slot.peerCount = 50;
    }

    @Benchmark
    public int decodeAndEncodeAnnounce() {
        ByteBuf in = request;
        if (!ids.valid(in.getLong(0), 1000, 0x7F000001L, 0)) return -1;
        int status = UdpRequestDecoder.decodeAnnounce(in, 0, in.readableBytes(), slot);
        ByteBuf out = UdpResponseEncoder.announce(alloc, in.getInt(12), 1800, slot.leechers, slot.seeders,
            slot.peers, slot.peerCount * 6);
        int written = out.readableBytes();
        out.release();
        return written + status;
    }
}
