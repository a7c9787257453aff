package trackerd.bench;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import trackerd.cluster.ChangeBatchCodec;
import trackerd.state.SnapshotBytes;
import trackerd.swarm.ChangeBuffer;

/**
 * Stands in for the other nodes of a cluster (issue 14), so that what their change streams cost
 * one node can be measured at the rate of a full-size cluster on a machine that cannot run one.
 *
 * <pre>
 * record REDIS_URL FILE SECONDS
 *     subscribes to trackerd:changes and writes every message with changes to FILE
 *     (a 4-byte big-endian length, then the message), for SECONDS
 * replay REDIS_URL FILE NODES CHANGES_PER_SECOND INTERVAL_MS SECONDS
 *     plays NODES nodes named feed-1..feed-NODES: each publishes, every INTERVAL_MS, one message
 *     of CHANGES_PER_SECOND x INTERVAL_MS / 1000 changes taken in order from the recording
 *     (looping), with its own sequence numbers and its peers moved to an address of its own
 *     (IPv4 10.0.0.K, IPv6 fd00::K with the recorded low bytes), so every node's peers are
 *     distinct; before the first message it writes an empty snapshot that covers it
 *     (trackerd:snapshot:feed-K, so a listening node needs no resync wait) and keeps its
 *     heartbeat key set; at the end each says it is leaving. WebTorrent changes are skipped.
 * </pre>
 *
 * A recording of a real node's stream (the load tester's workload against a real node) keeps the
 * mix of new peers, re-announces, stops and completions; played faster, it is the same peers
 * announcing more often, which is what a node at a higher rate with the same clients sends.
 * Prints one line at the end: messages and changes published, and how late the pacing ran.
 */
public final class ClusterFeed {
    private static final byte[] CHANNEL = "trackerd:changes".getBytes(StandardCharsets.US_ASCII);
    private static final long SNAPSHOT_MAGIC = 0x54524B4443534E50L; // "TRKDCSNP", see trackerd.cluster.SnapshotKeys
    private static final int HEARTBEAT_TTL_SECONDS = 6;

    private ClusterFeed() {}

    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("record")) {
            record(args[1], args[2], Integer.parseInt(args[3]));
        } else if (args.length == 7 && args[0].equals("replay")) {
            replay(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]), Integer.parseInt(args[5]),
                Integer.parseInt(args[6]));
        } else {
            System.err.println("usage: ClusterFeed record REDIS_URL FILE SECONDS\n"
                + "       ClusterFeed replay REDIS_URL FILE NODES CHANGES_PER_SECOND INTERVAL_MS SECONDS");
            System.exit(2);
        }
    }

    private static RedisClient client(String url) {
        RedisClient client = RedisClient.create(url);
        client.setOptions(ClientOptions.builder().protocolVersion(ProtocolVersion.RESP2).build());
        return client;
    }

    private static void record(String url, String file, int seconds) throws Exception {
        RedisClient client = client(url);
        AtomicLong messages = new AtomicLong();
        AtomicLong changes = new AtomicLong();
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(new FileOutputStream(file), 1 << 20));
             StatefulRedisPubSubConnection<byte[], byte[]> sub = client.connectPubSub(ByteArrayCodec.INSTANCE)) {
            sub.addListener(new RedisPubSubAdapter<>() {
                @Override
                public void message(byte[] channel, byte[] message) {
                    int count = changeCount(message);
                    if (count <= 0) return; // a heartbeat, or not a change message
                    try {
                        synchronized (out) {
                            out.writeInt(message.length);
                            out.write(message);
                        }
                    } catch (IOException e) {
                        throw new IllegalStateException(e);
                    }
                    messages.incrementAndGet();
                    changes.addAndGet(count);
                }
            });
            sub.sync().subscribe(CHANNEL);
            Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
            sub.sync().unsubscribe(CHANNEL);
            synchronized (out) {
                out.flush();
            }
        } finally {
            client.shutdown();
        }
        System.out.printf("recorded %d messages, %d changes%n", messages.get(), changes.get());
    }

    /** Change count of a message, or -1 when it is not one this tool understands. */
    private static int changeCount(byte[] m) {
        if (m.length < 3) return -1;
        int at = 3 + (m[2] & 0xFF) + 8;
        if (m.length < at + 2) return -1;
        return ((m[at] & 0xFF) << 8) | (m[at + 1] & 0xFF);
    }

    /** The recorded BitTorrent changes, back to back, and where each starts. */
    private record Changes(byte[] bytes, int[] starts, int count) {
        int length(int i) {
            return (i + 1 < count ? starts[i + 1] : bytes.length) - starts[i];
        }
    }

    private static Changes load(String file) throws IOException {
        ByteBuffer all = ByteBuffer.allocate(1 << 20);
        int[] starts = new int[1 << 16];
        int count = 0;
        try (InputStream raw = new FileInputStream(file); DataInputStream in = new DataInputStream(raw)) {
            while (true) {
                int length;
                try {
                    length = in.readInt();
                } catch (EOFException end) {
                    break;
                }
                byte[] m = in.readNBytes(length);
                int n = changeCount(m);
                int at = 3 + (m[2] & 0xFF) + 10;
                for (int i = 0; i < n && at < m.length; i++) {
                    int flags = m[at] & 0xFF;
                    int size = (flags & ChangeBuffer.WEBTORRENT) != 0 ? ChangeBatchCodec.WEBTORRENT_CHANGE_BYTES
                        : (flags & ChangeBuffer.IPV6) != 0 ? ChangeBatchCodec.IPV6_CHANGE_BYTES
                        : ChangeBatchCodec.IPV4_CHANGE_BYTES;
                    if ((flags & ChangeBuffer.WEBTORRENT) == 0) {
                        if (all.remaining() < size) all = ByteBuffer.allocate(all.capacity() * 2).put(all.flip());
                        if (count == starts.length) starts = Arrays.copyOf(starts, count * 2);
                        starts[count++] = all.position();
                        all.put(m, at, size);
                    }
                    at += size;
                }
            }
        }
        return new Changes(Arrays.copyOf(all.array(), all.position()), starts, count);
    }

    private static void replay(String url, String file, int nodes, int changesPerSecond, int intervalMs, int seconds)
        throws Exception {
        Changes changes = load(file);
        if (changes.count() == 0) throw new IllegalArgumentException(file + " holds no changes");
        int perMessage = Math.max(1, (int) ((long) changesPerSecond * intervalMs / 1000));
        if (perMessage > ChangeBatchCodec.MAX_CHANGES) throw new IllegalArgumentException("over 65,535 changes a message");
        RedisClient client = client(url);
        try (StatefulRedisConnection<byte[], byte[]> connection = client.connect(ByteArrayCodec.INSTANCE)) {
            RedisCommands<byte[], byte[]> redis = connection.sync();
            byte[][] ids = new byte[nodes][];
            int[] cursors = new int[nodes];
            long[] sequences = new long[nodes];
            for (int k = 0; k < nodes; k++) {
                ids[k] = ("feed-" + (k + 1)).getBytes(StandardCharsets.US_ASCII);
                cursors[k] = (int) ((long) changes.count() * k / nodes);
                redis.set(("trackerd:snapshot:feed-" + (k + 1)).getBytes(StandardCharsets.US_ASCII),
                    emptySnapshot(k + 1), SetArgs.Builder.ex(3600));
            }
            byte[] out = new byte[3 + 64 + 10 + perMessage * ChangeBatchCodec.IPV6_CHANGE_BYTES];
            long interval = TimeUnit.MILLISECONDS.toNanos(intervalMs);
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(seconds);
            long next = start;
            long lateNanos = 0;
            long messages = 0;
            long published = 0;
            long lastHeartbeat = 0;
            while (next < end) {
                if (next - lastHeartbeat >= TimeUnit.SECONDS.toNanos(1)) {
                    lastHeartbeat = next;
                    byte[] now = Long.toString(System.currentTimeMillis() / 1000).getBytes(StandardCharsets.US_ASCII);
                    for (int k = 0; k < nodes; k++) {
                        redis.set(("trackerd:node:feed-" + (k + 1)).getBytes(StandardCharsets.US_ASCII), now,
                            SetArgs.Builder.ex(HEARTBEAT_TTL_SECONDS));
                    }
                }
                for (int k = 0; k < nodes; k++) {
                    int size = header(out, ids[k], ++sequences[k], 0, perMessage);
                    for (int i = 0; i < perMessage; i++) {
                        int c = cursors[k];
                        size = copyMoved(changes, c, out, size, k + 1);
                        cursors[k] = c + 1 == changes.count() ? 0 : c + 1;
                    }
                    redis.publish(CHANNEL, Arrays.copyOf(out, size));
                    messages++;
                    published += perMessage;
                }
                next += interval;
                long wait = next - System.nanoTime();
                if (wait > 0) LockSupport.parkNanos(wait);
                else lateNanos = Math.max(lateNanos, -wait);
            }
            for (int k = 0; k < nodes; k++) {
                redis.publish(CHANNEL, Arrays.copyOf(out, header(out, ids[k], ++sequences[k],
                    ChangeBatchCodec.FLAG_LEAVING, 0)));
            }
            double took = (System.nanoTime() - start) / 1e9;
            System.out.printf("replayed %d nodes: %d messages, %d changes in %.1f s (%.0f changes/s a node);"
                + " latest a cycle ran behind: %.1f ms%n", nodes, messages, published, took, published / took / nodes,
                lateNanos / 1e6);
        } finally {
            client.shutdown();
        }
    }

    /** Writes a message header ({@link ChangeBatchCodec}) into {@code out}; returns its size. */
    private static int header(byte[] out, byte[] nodeId, long sequence, int flags, int count) {
        out[0] = (byte) ChangeBatchCodec.VERSION;
        out[1] = (byte) flags;
        out[2] = (byte) nodeId.length;
        System.arraycopy(nodeId, 0, out, 3, nodeId.length);
        int at = 3 + nodeId.length;
        ByteBuffer.wrap(out, at, 10).putLong(sequence).putShort((short) count);
        return at + 10;
    }

    /** Copies change {@code i} to {@code out} at {@code at} with its address moved to node {@code k}'s; returns the end. */
    private static int copyMoved(Changes changes, int i, byte[] out, int at, int k) {
        int length = changes.length(i);
        System.arraycopy(changes.bytes(), changes.starts()[i], out, at, length);
        int address = at + 1 + 20; // flags, info hash
        if (length == ChangeBatchCodec.IPV4_CHANGE_BYTES) {
            out[address] = 10;
            out[address + 1] = 0;
            out[address + 2] = 0;
            out[address + 3] = (byte) k;
        } else {
            out[address] = (byte) 0xfd;
            out[address + 1] = 0;
            out[address + 2] = (byte) (k >>> 8);
            out[address + 3] = (byte) k;
        }
        return at + length;
    }

    /** An envelope that covers every message before sequence 1, around a snapshot with no peers. */
    private static byte[] emptySnapshot(int k) {
        SnapshotBytes.Writer writer = new SnapshotBytes.Writer(24, 1, k, System.currentTimeMillis());
        byte[] value = Arrays.copyOf(writer.finish(), writer.size());
        ByteBuffer.wrap(value).putLong(SNAPSHOT_MAGIC).putLong(0).putLong(0);
        return value;
    }
}
