package trackerd.config;

import static trackerd.config.TrackerSchema.*;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import trackerd.net.Cidr;

/** The whole validated configuration, immutable. Built only by {@link ConfigLoader}. */
public record TrackerConfig(
        Log log, Workers workers, Swarm swarm, Limits limits, Udp udp, Http http, Ws ws,
        AccessList accessList, Metrics metrics, State state, Cluster cluster) {

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

    /**
     * @param fullScrape serve {@code /scrape} without {@code info_hash} (from a snapshot)
     * @param fullScrapeMaxAgeSeconds oldest snapshot a full scrape is served from
     * @param fullScrapeMaxTorrents most torrents in one full scrape
     */
    public record Http(
            boolean enabled, List<InetSocketAddress> listen, int maxRequestBytes, int readTimeoutSeconds,
            int maxConnections, boolean fullScrape, int fullScrapeMaxAgeSeconds, int fullScrapeMaxTorrents,
            Tls tls, Proxy proxy) {}

    /** Paths are null when not set. */
    public record Tls(List<InetSocketAddress> listen, Path certPath, Path keyPath, TlsProvider provider) {}

    /** header is lower case, empty when not behind a proxy. */
    public record Proxy(String header, List<Cidr> trusted) {}

    public record Ws(
            boolean enabled, List<InetSocketAddress> listen, int maxFrameBytes, int maxOffersPerAnnounce,
            int maxConnections, int idleTimeoutSeconds, int pingIntervalSeconds, List<InetSocketAddress> tlsListen) {}

    /** path is null when not set. */
    public record AccessList(AccessMode mode, Path path) {}

    public record Metrics(boolean enabled, InetSocketAddress listen) {}

    /** @param path the state directory; null when not set (nothing is kept across restarts) */
    public record State(Path path, int saveIntervalSeconds) {}

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
        if (v.get(WORKERS_SWARM_WORKERS) == 0 && v.get(WORKERS_SOCKET_WORKERS) != 1) {
            throw new ConfigException(WORKERS_SWARM_WORKERS.path(),
                "0 (inline) needs workers.socket_workers = 1: only one event loop can own the swarms");
        }
        Swarm swarm = new Swarm(
            v.get(SWARM_ANNOUNCE_INTERVAL_SECONDS), v.get(SWARM_MIN_ANNOUNCE_INTERVAL_SECONDS),
            v.get(SWARM_PEER_TIMEOUT_SECONDS), v.get(SWARM_DEFAULT_NUMWANT),
            v.get(SWARM_MAX_RESPONSE_PEERS), v.get(SWARM_CLEANING_INTERVAL_SECONDS),
            v.get(SWARM_TRUST_CLIENT_IP));
        if (swarm.minAnnounceIntervalSeconds() > swarm.announceIntervalSeconds()) {
            throw new ConfigException(SWARM_MIN_ANNOUNCE_INTERVAL_SECONDS.path(),
                "must not exceed swarm.announce_interval_seconds (" + swarm.announceIntervalSeconds() + ")");
        }
        if (swarm.peerTimeoutSeconds() <= swarm.announceIntervalSeconds()) {
            throw new ConfigException(SWARM_PEER_TIMEOUT_SECONDS.path(),
                "must be longer than swarm.announce_interval_seconds (" + swarm.announceIntervalSeconds()
                    + "), or peers that announce on time expire");
        }

        Tls tls = new Tls(v.get(HTTP_TLS_LISTEN),
            v.path(HTTP_TLS_CERT_PATH), v.path(HTTP_TLS_KEY_PATH),
            TlsProvider.valueOf(v.get(HTTP_TLS_PROVIDER).toUpperCase(Locale.ROOT)));
        if (!tls.listen().isEmpty()) {
            requireFile(HTTP_TLS_CERT_PATH, tls.certPath(), "http.tls.listen is set");
            requireFile(HTTP_TLS_KEY_PATH, tls.keyPath(), "http.tls.listen is set");
        }
        if (!v.get(WS_TLS_LISTEN).isEmpty()) {
            requireFile(HTTP_TLS_CERT_PATH, tls.certPath(), "ws.tls_listen is set");
            requireFile(HTTP_TLS_KEY_PATH, tls.keyPath(), "ws.tls_listen is set");
        }
        Proxy proxy = new Proxy(v.get(HTTP_PROXY_HEADER), v.get(HTTP_PROXY_TRUSTED));
        if (!proxy.header().isEmpty() && proxy.trusted().isEmpty()) {
            throw new ConfigException(HTTP_PROXY_TRUSTED.path(),
                "must name at least one proxy address when http.proxy.header is set");
        }
        Http http = new Http(v.get(HTTP_ENABLED), v.get(HTTP_LISTEN),
            v.get(HTTP_MAX_REQUEST_BYTES), v.get(HTTP_READ_TIMEOUT_SECONDS),
            v.get(HTTP_MAX_CONNECTIONS), v.get(HTTP_FULL_SCRAPE),
            v.get(HTTP_FULL_SCRAPE_MAX_AGE_SECONDS), v.get(HTTP_FULL_SCRAPE_MAX_TORRENTS), tls, proxy);

        AccessList access = new AccessList(
            AccessMode.valueOf(v.get(ACCESS_LIST_MODE).toUpperCase(Locale.ROOT)),
            v.path(ACCESS_LIST_PATH));
        if (access.mode() != AccessMode.OFF) {
            requireFile(ACCESS_LIST_PATH, access.path(), "access_list.mode is " + v.get(ACCESS_LIST_MODE));
        }

        return new TrackerConfig(
            new Log(v.get(LOG_LEVEL)),
            new Workers(v.get(WORKERS_SOCKET_WORKERS), v.get(WORKERS_SWARM_WORKERS),
                v.get(WORKERS_QUEUE_CAPACITY)),
            swarm,
            new Limits(v.get(LIMITS_MAX_TORRENTS), v.get(LIMITS_MAX_PEERS_PER_TORRENT),
                v.get(LIMITS_MAX_SCRAPE_HASHES), v.get(LIMITS_MAX_PEERS),
                v.get(LIMITS_NEW_TORRENTS_PER_ADDRESS_BURST), v.get(LIMITS_NEW_TORRENTS_PER_ADDRESS_PER_SECOND)),
            new Udp(v.get(UDP_ENABLED), v.get(UDP_LISTEN), v.get(UDP_RECEIVE_BUFFER_BYTES),
                v.get(UDP_SEND_BUFFER_BYTES)),
            http,
            new Ws(v.get(WS_ENABLED), v.get(WS_LISTEN), v.get(WS_MAX_FRAME_BYTES),
                v.get(WS_MAX_OFFERS_PER_ANNOUNCE), v.get(WS_MAX_CONNECTIONS),
                v.get(WS_IDLE_TIMEOUT_SECONDS), v.get(WS_PING_INTERVAL_SECONDS), v.get(WS_TLS_LISTEN)),
            access,
            new Metrics(v.get(METRICS_ENABLED), v.get(METRICS_LISTEN)),
            new State(v.path(STATE_PATH), v.get(STATE_SAVE_INTERVAL_SECONDS)),
            cluster(v));
    }

    private static Cluster cluster(ConfigValues v) throws ConfigException {
        String nodeId = v.get(CLUSTER_NODE_ID);
        if (nodeId.isEmpty() && v.get(CLUSTER_ENABLED)) nodeId = defaultNodeId();
        for (int i = 0; i < nodeId.length(); i++) {
            char c = nodeId.charAt(i);
            if (c <= ' ' || c > '~') { // it goes into Redis keys, channel names and every node's log lines
                throw new ConfigException(CLUSTER_NODE_ID.path(), "visible ASCII only (no spaces or control characters), got \""
                    + nodeId.replaceAll("\\p{Cntrl}", "?") + "\"");
            }
        }
        if (nodeId.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > Cluster.MAX_NODE_ID_BYTES) {
            throw new ConfigException(CLUSTER_NODE_ID.path(), "at most " + Cluster.MAX_NODE_ID_BYTES + " bytes, got \""
                + nodeId + "\"");
        }
        Cluster cluster = new Cluster(v.get(CLUSTER_ENABLED), v.get(CLUSTER_REDIS), nodeId,
            v.get(CLUSTER_PUBLISH_INTERVAL_MS), v.get(CLUSTER_HEARTBEAT_SECONDS));
        if (cluster.publishIntervalMs() > cluster.heartbeatSeconds() * 1000L) {
            throw new ConfigException(CLUSTER_PUBLISH_INTERVAL_MS.path(),
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

    private static void requireFile(ConfigKey<String> key, Path path, String because) throws ConfigException {
        if (path == null) {
            throw new ConfigException(key.path(), "must be set because " + because);
        }
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
            throw new ConfigException(key.path(), "file " + path + " does not exist or is not readable");
        }
    }
}
