package trackerd.config;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import trackerd.net.Cidr;

/** The whole validated configuration, immutable. Built only by {@link ConfigLoader}. */
public record TrackerConfig(
        Log log, Workers workers, Swarm swarm, Limits limits, Udp udp, Http http, Ws ws,
        AccessList accessList, Metrics metrics, Cluster cluster) {

    public record Log(String level) {}

    /** @param socketWorkers 0 = one per CPU core, resolved by {@link #socketWorkerThreads()} */
    public record Workers(int socketWorkers, int swarmWorkers, int queueCapacity) {
        public int socketWorkerThreads() {
            return socketWorkers > 0 ? socketWorkers : Runtime.getRuntime().availableProcessors();
        }
    }

    public record Swarm(
            int announceIntervalSeconds, int minAnnounceIntervalSeconds, int peerTimeoutSeconds,
            int defaultNumwant, int maxResponsePeers, int cleaningIntervalSeconds, boolean trustClientIp) {}

    /**
     * 0 in maxTorrents, maxPeersPerTorrent or maxPeers: derive from the heap ({@link MemoryBudget#resolve}).
     *
     * @param maxPeers across all shards, in IPv4-peer units (an IPv6 peer counts 3)
     * @param newTorrentsPerAddressBurst new torrents one address (IPv6: /64) may create at once; 0 = no limit
     */
    public record Limits(int maxTorrents, int maxPeersPerTorrent, int maxScrapeHashes, int maxPeers,
                         int newTorrentsPerAddressBurst, int newTorrentsPerAddressPerSecond) {}

    public record Udp(boolean enabled, List<InetSocketAddress> listen, int receiveBufferBytes, int sendBufferBytes) {}

    public record Http(
            boolean enabled, List<InetSocketAddress> listen, int maxRequestBytes, int readTimeoutSeconds,
            Tls tls, Proxy proxy) {}

    /** Paths are null when not set. */
    public record Tls(List<InetSocketAddress> listen, Path certPath, Path keyPath, TlsProvider provider) {}

    /** header is lower case, empty when not behind a proxy. */
    public record Proxy(String header, List<Cidr> trusted) {}

    public record Ws(
            boolean enabled, List<InetSocketAddress> listen, int maxFrameBytes, int maxOffersPerAnnounce,
            int maxConnections, int idleTimeoutSeconds, int pingIntervalSeconds) {}

    /** path is null when not set. */
    public record AccessList(AccessMode mode, Path path) {}

    public record Metrics(boolean enabled, InetSocketAddress listen) {}

    /**
     * Cluster sync through Redis (issue 14).
     *
     * @param redis one URL, or several seed URLs of one Redis Cluster
     * @param nodeId this node's name, 1-64 UTF-8 bytes (the default is resolved here: host name
     *     plus a random suffix)
     */
    public record Cluster(boolean enabled, List<String> redis, String nodeId, int publishIntervalMs,
                          int heartbeatSeconds) {
        /** Longest node id: it travels in every message, behind a one-byte length. */
        public static final int MAX_NODE_ID_BYTES = 64;

        /** Several URLs: a Redis Cluster (sharded pub/sub). */
        public boolean redisCluster() {
            return redis.size() > 1;
        }
    }

    public static TrackerConfig from(ConfigValues v) throws ConfigException {
        if (v.integer("workers.swarm_workers") == 0 && v.integer("workers.socket_workers") != 1) {
            throw new ConfigException("workers.swarm_workers",
                "0 (inline) needs workers.socket_workers = 1: only one event loop can own the swarms");
        }
        Swarm swarm = new Swarm(
            v.integer("swarm.announce_interval_seconds"), v.integer("swarm.min_announce_interval_seconds"),
            v.integer("swarm.peer_timeout_seconds"), v.integer("swarm.default_numwant"),
            v.integer("swarm.max_response_peers"), v.integer("swarm.cleaning_interval_seconds"),
            v.bool("swarm.trust_client_ip"));
        if (swarm.minAnnounceIntervalSeconds() > swarm.announceIntervalSeconds()) {
            throw new ConfigException("swarm.min_announce_interval_seconds",
                "must not exceed swarm.announce_interval_seconds (" + swarm.announceIntervalSeconds() + ")");
        }
        if (swarm.peerTimeoutSeconds() <= swarm.announceIntervalSeconds()) {
            throw new ConfigException("swarm.peer_timeout_seconds",
                "must be longer than swarm.announce_interval_seconds (" + swarm.announceIntervalSeconds()
                    + "), or peers that announce on time expire");
        }

        Tls tls = new Tls(v.addresses("http.tls.listen"),
            optionalPath(v, "http.tls.cert_path"), optionalPath(v, "http.tls.key_path"),
            TlsProvider.valueOf(v.string("http.tls.provider").toUpperCase(Locale.ROOT)));
        if (!tls.listen().isEmpty()) {
            requireFile("http.tls.cert_path", tls.certPath(), "http.tls.listen is set");
            requireFile("http.tls.key_path", tls.keyPath(), "http.tls.listen is set");
        }
        Proxy proxy = new Proxy(v.string("http.proxy.header"), v.cidrs("http.proxy.trusted"));
        if (!proxy.header().isEmpty() && proxy.trusted().isEmpty()) {
            throw new ConfigException("http.proxy.trusted",
                "must name at least one proxy address when http.proxy.header is set");
        }
        Http http = new Http(v.bool("http.enabled"), v.addresses("http.listen"),
            v.integer("http.max_request_bytes"), v.integer("http.read_timeout_seconds"), tls, proxy);

        AccessList access = new AccessList(
            AccessMode.valueOf(v.string("access_list.mode").toUpperCase(Locale.ROOT)),
            optionalPath(v, "access_list.path"));
        if (access.mode() != AccessMode.OFF) {
            requireFile("access_list.path", access.path(), "access_list.mode is " + v.string("access_list.mode"));
        }

        return new TrackerConfig(
            new Log(v.string("log.level")),
            new Workers(v.integer("workers.socket_workers"), v.integer("workers.swarm_workers"),
                v.integer("workers.queue_capacity")),
            swarm,
            new Limits(v.integer("limits.max_torrents"), v.integer("limits.max_peers_per_torrent"),
                v.integer("limits.max_scrape_hashes"), v.integer("limits.max_peers"),
                v.integer("limits.new_torrents_per_address_burst"), v.integer("limits.new_torrents_per_address_per_second")),
            new Udp(v.bool("udp.enabled"), v.addresses("udp.listen"), v.integer("udp.receive_buffer_bytes"),
                v.integer("udp.send_buffer_bytes")),
            http,
            new Ws(v.bool("ws.enabled"), v.addresses("ws.listen"), v.integer("ws.max_frame_bytes"),
                v.integer("ws.max_offers_per_announce"), v.integer("ws.max_connections"),
                v.integer("ws.idle_timeout_seconds"), v.integer("ws.ping_interval_seconds")),
            access,
            new Metrics(v.bool("metrics.enabled"), v.address("metrics.listen")),
            cluster(v));
    }

    private static Cluster cluster(ConfigValues v) throws ConfigException {
        String nodeId = v.string("cluster.node_id");
        if (nodeId.isEmpty() && v.bool("cluster.enabled")) nodeId = defaultNodeId();
        if (nodeId.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > Cluster.MAX_NODE_ID_BYTES) {
            throw new ConfigException("cluster.node_id", "at most " + Cluster.MAX_NODE_ID_BYTES + " bytes, got \""
                + nodeId + "\"");
        }
        Cluster cluster = new Cluster(v.bool("cluster.enabled"), v.strings("cluster.redis"), nodeId,
            v.integer("cluster.publish_interval_ms"), v.integer("cluster.heartbeat_seconds"));
        if (cluster.publishIntervalMs() > cluster.heartbeatSeconds() * 1000L) {
            throw new ConfigException("cluster.publish_interval_ms",
                "must not exceed cluster.heartbeat_seconds (" + cluster.heartbeatSeconds() + " s): each publish is"
                    + " also a heartbeat");
        }
        return cluster;
    }

    /**
     * Host name (or "node") plus 6 random hex digits: unique per start. The kernel's host name,
     * not InetAddress.getLocalHost(), which may wait for DNS.
     */
    private static String defaultNodeId() {
        String host;
        try {
            host = Files.readString(Path.of("/proc/sys/kernel/hostname")).strip();
        } catch (java.io.IOException | RuntimeException e) {
            host = "";
        }
        if (host.isEmpty()) host = "node";
        if (host.length() > 48) host = host.substring(0, 48);
        return host + "-" + String.format("%06x", new java.security.SecureRandom().nextInt(1 << 24));
    }

    private static Path optionalPath(ConfigValues v, String key) {
        return v.path(key);
    }

    private static void requireFile(String key, Path path, String because) throws ConfigException {
        if (path == null) {
            throw new ConfigException(key, "must be set because " + because);
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new ConfigException(key, "file " + path + " does not exist or is not readable");
        }
    }
}
