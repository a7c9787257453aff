package trackerd.cluster;

import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.async.BaseRedisAsyncCommands;
import io.lettuce.core.api.async.RedisStringAsyncCommands;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.cluster.pubsub.RedisClusterPubSubAdapter;
import io.lettuce.core.cluster.pubsub.StatefulRedisClusterPubSubConnection;
import io.lettuce.core.codec.ByteArrayCodec;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.protocol.ProtocolVersion;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * This node's connections to Redis (Lettuce): one for publishing and heartbeat keys, one
 * subscribed to the change channel. One URL: plain pub/sub (PUBLISH/SUBSCRIBE). Several seed
 * URLs: a Redis Cluster with sharded pub/sub (SPUBLISH/SSUBSCRIBE, Redis 7): the channel lives
 * on the master that owns its slot, so messages are not broadcast over the whole cluster bus.
 *
 * <p>Lettuce reconnects by itself, with exponential backoff (100 ms to 5 s), and subscribes again
 * after a reconnect. While disconnected, commands are rejected at once (not queued without
 * bound): a publish then fails, is counted, and the receivers see a sequence gap. Lettuce's own
 * Netty threads (two I/O, two computation: its minimum) do the work; incoming messages are handed to
 * {@code onMessage} on its I/O thread. {@link #connect} may fail (Redis down at start): the caller
 * retries. Both connections speak RESP2 ({@link #PROTOCOL}: the cheaper way for Lettuce to receive
 * pub/sub messages).
 */
final class RedisLink implements AutoCloseable {
    static final byte[] CHANNEL = "trackerd:changes".getBytes(StandardCharsets.US_ASCII);
    static final String NODE_KEY_PREFIX = "trackerd:node:";
    /**
     * RESP2, not Lettuce's default RESP3 (HELLO 3): under RESP3 every pub/sub message is a push
     * message that Lettuce decodes twice (into a {@code PushOutput} with a copy of the payload and
     * the kind as a String, then again into a pub/sub message with our codec); under RESP2 it is
     * decoded once, straight into the message. Nothing we send needs RESP3.
     */
    static final ProtocolVersion PROTOCOL = ProtocolVersion.RESP2;

    private final List<String> urls;
    private final boolean cluster;
    private final ClientResources resources;
    private RedisClient client;
    private RedisClusterClient clusterClient;
    // volatile: the publisher thread connects, the relay thread (RelayForwarder) publishes too
    private volatile StatefulRedisConnection<byte[], byte[]> connection;
    private volatile StatefulRedisPubSubConnection<byte[], byte[]> subscription;
    private volatile StatefulRedisClusterConnection<byte[], byte[]> clusterConnection;
    private volatile StatefulRedisClusterPubSubConnection<byte[], byte[]> clusterSubscription;

    RedisLink(List<String> urls) {
        this.urls = List.copyOf(urls);
        this.cluster = urls.size() > 1;
        this.resources = ClientResources.builder().ioThreadPoolSize(2).computationThreadPoolSize(2)
            .reconnectDelay(Delay.exponential(Duration.ofMillis(100), Duration.ofSeconds(5), 2,
                java.util.concurrent.TimeUnit.MILLISECONDS))
            .build();
    }

    /**
     * Connects both connections and subscribes; throws a {@code RedisException} when Redis cannot
     * be reached (nothing is left open then).
     */
    void connect(Consumer<byte[]> onMessage) {
        connect(onMessage, null, null);
    }

    /**
     * As {@link #connect(Consumer)}, and subscribed to this node's relay channel too
     * ({@code relayChannel}, whose messages go to {@code onRelay}; issue 14's WebTorrent relays).
     */
    void connect(Consumer<byte[]> onMessage, byte[] relayChannel, Consumer<byte[]> onRelay) {
        try {
            if (cluster) {
                List<RedisURI> seeds = new ArrayList<>();
                for (String url : urls) seeds.add(RedisURI.create(url));
                clusterClient = RedisClusterClient.create(resources, seeds);
                clusterClient.setOptions(ClusterClientOptions.builder().autoReconnect(true).protocolVersion(PROTOCOL)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
                clusterConnection = clusterClient.connect(ByteArrayCodec.INSTANCE);
                clusterSubscription = clusterClient.connectPubSub(ByteArrayCodec.INSTANCE);
                clusterSubscription.addListener(new RedisClusterPubSubAdapter<>() {
                    @Override
                    public void smessage(RedisClusterNode node, byte[] channel, byte[] message) {
                        dispatch(channel, message, onMessage, relayChannel, onRelay);
                    }
                });
                clusterSubscription.sync().ssubscribe(CHANNEL);
                // one SSUBSCRIBE per channel: the two live in different slots, maybe on different masters
                if (relayChannel != null) clusterSubscription.sync().ssubscribe(relayChannel);
            } else {
                client = RedisClient.create(resources, RedisURI.create(urls.get(0)));
                client.setOptions(ClientOptions.builder().autoReconnect(true).protocolVersion(PROTOCOL)
                    .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS).build());
                connection = client.connect(ByteArrayCodec.INSTANCE);
                subscription = client.connectPubSub(ByteArrayCodec.INSTANCE);
                subscription.addListener(new RedisPubSubAdapter<>() {
                    @Override
                    public void message(byte[] channel, byte[] message) {
                        dispatch(channel, message, onMessage, relayChannel, onRelay);
                    }
                });
                if (relayChannel != null) subscription.sync().subscribe(CHANNEL, relayChannel);
                else subscription.sync().subscribe(CHANNEL);
            }
        } catch (RuntimeException e) {
            closeClients();
            throw e;
        }
    }

    private static void dispatch(byte[] channel, byte[] message, Consumer<byte[]> onMessage, byte[] relayChannel,
                                 Consumer<byte[]> onRelay) {
        if (relayChannel != null && java.util.Arrays.equals(channel, relayChannel)) onRelay.accept(message);
        else onMessage.accept(message);
    }

    /** True while both connections are open (Lettuce is not between reconnect attempts). */
    boolean up() {
        if (cluster) {
            var c = clusterConnection;
            var s = clusterSubscription;
            return c != null && s != null && c.isOpen() && s.isOpen();
        }
        var c = connection;
        var s = subscription;
        return c != null && s != null && c.isOpen() && s.isOpen();
    }

    boolean connected() {
        return connection != null || clusterConnection != null;
    }

    private BaseRedisAsyncCommands<byte[], byte[]> commands() {
        return cluster ? clusterConnection.async() : connection.async();
    }

    /** Publishes one message; the stage fails when Redis is down or refuses it. */
    CompletionStage<Long> publish(byte[] message) {
        return cluster ? clusterConnection.async().spublish(CHANNEL, message) : commands().publish(CHANNEL, message);
    }

    /** Publishes one message on {@code channel} (a node's relay channel); the stage gives the receivers. */
    CompletionStage<Long> publish(byte[] channel, byte[] message) {
        StatefulRedisClusterConnection<byte[], byte[]> c = clusterConnection;
        if (cluster) {
            if (c == null) throw new IllegalStateException("not connected");
            return c.async().spublish(channel, message);
        }
        StatefulRedisConnection<byte[], byte[]> plain = connection;
        if (plain == null) throw new IllegalStateException("not connected");
        return plain.async().publish(channel, message);
    }

    /** {@code SET trackerd:node:ID <epoch seconds> EX ttl}: who is alive, for tools and the resync. */
    CompletionStage<String> heartbeatKey(String nodeId, long epochSeconds, long ttlSeconds) {
        RedisStringAsyncCommands<byte[], byte[]> strings = cluster ? clusterConnection.async() : connection.async();
        return strings.set((NODE_KEY_PREFIX + nodeId).getBytes(StandardCharsets.UTF_8),
            Long.toString(epochSeconds).getBytes(StandardCharsets.US_ASCII), SetArgs.Builder.ex(ttlSeconds));
    }

    /**
     * The command connection's asynchronous commands (the snapshot keys: {@link SnapshotPublisher},
     * {@link ClusterResync}); fails at once while disconnected.
     */
    io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands<byte[], byte[]> async() {
        return cluster ? clusterConnection.async() : connection.async();
    }

    private void closeClients() {
        for (AutoCloseable c : new AutoCloseable[] {subscription, connection, clusterSubscription, clusterConnection}) {
            if (c == null) continue;
            try {
                c.close();
            } catch (Exception e) {
                // closing anyway
            }
        }
        subscription = null;
        connection = null;
        clusterSubscription = null;
        clusterConnection = null;
        if (client != null) client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        if (clusterClient != null) clusterClient.shutdown(Duration.ZERO, Duration.ofSeconds(2));
        client = null;
        clusterClient = null;
    }

    @Override
    public void close() {
        closeClients();
        resources.shutdown(0, 2, java.util.concurrent.TimeUnit.SECONDS);
    }
}
