package trackerd.config;

import static trackerd.config.ConfigSchema.key;
import static trackerd.config.ValueTypes.address;
import static trackerd.config.ValueTypes.addressList;
import static trackerd.config.ValueTypes.bool;
import static trackerd.config.ValueTypes.cidrList;
import static trackerd.config.ValueTypes.integer;
import static trackerd.config.ValueTypes.oneOf;
import static trackerd.config.ValueTypes.redisUrls;
import static trackerd.config.ValueTypes.string;

import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import trackerd.net.Cidr;

/**
 * Every key the tracker reads, each declared once as a typed constant that {@link TrackerConfig}
 * reads it through, in the order {@code --print-config} prints them.
 */
public final class TrackerSchema {
    private static final int MAX_INT = Integer.MAX_VALUE;

    public static final ConfigKey<String> LOG_LEVEL = key("log.level", "\"info\"", "Log level: error, warn, info, debug or trace. The tracker never logs per request.",
            oneOf("error", "warn", "info", "debug", "trace"));

    public static final ConfigKey<Integer> WORKERS_SOCKET_WORKERS = key("workers.socket_workers", "0",
            "Socket workers: Netty event loops that parse requests for every front end. 0 = one per CPU core.",
            integer(0, 1024));
    public static final ConfigKey<Integer> WORKERS_SWARM_WORKERS = key("workers.swarm_workers", "1",
            "Swarm workers: threads that own the swarms. Each owns the torrents whose info hash maps to it.\n"
                + "0 = inline: the one socket worker answers from the swarms itself, no hand-off (needs\n"
                + "socket_workers = 1; for a tracker with one core).",
            integer(0, 256));
    public static final ConfigKey<Integer> WORKERS_QUEUE_CAPACITY = key("workers.queue_capacity", "4096",
            "Requests that may wait for one swarm worker, and requests one socket worker may have in flight\n"
                + "(about 1 KiB each, allocated at start; fewer when all socket workers together would take more\n"
                + "than 4 % of the heap). When full, UDP requests are dropped and HTTP/WS requests are answered\n"
                + "\"tracker busy\"; both are counted.",
            integer(64, 1 << 20));

    public static final ConfigKey<Integer> SWARM_ANNOUNCE_INTERVAL_SECONDS = key("swarm.announce_interval_seconds", "1800", "Interval clients are told to wait between announces.",
            integer(10, 86_400));
    public static final ConfigKey<Integer> SWARM_MIN_ANNOUNCE_INTERVAL_SECONDS = key("swarm.min_announce_interval_seconds", "900",
            "Minimum interval clients must wait between announces (BEP 3 \"min interval\"); at most the interval.",
            integer(1, 86_400));
    public static final ConfigKey<Integer> SWARM_PEER_TIMEOUT_SECONDS = key("swarm.peer_timeout_seconds", "2700",
            "A peer that has not announced for this long is removed from its swarm.",
            integer(10, 86_400));
    public static final ConfigKey<Integer> SWARM_DEFAULT_NUMWANT = key("swarm.default_numwant", "50", "Peers returned when a client asks for none in particular (numwant -1 or absent).",
            integer(0, 1000));
    public static final ConfigKey<Integer> SWARM_MAX_RESPONSE_PEERS = key("swarm.max_response_peers", "50",
            "Most peers one reply carries, whatever numwant asks. 50 IPv6 peers keep a UDP reply under 1,000 bytes.",
            integer(0, 1000));
    public static final ConfigKey<Integer> SWARM_CLEANING_INTERVAL_SECONDS = key("swarm.cleaning_interval_seconds", "60",
            "How often each swarm worker walks its swarms to remove expired peers (in short slices).",
            integer(1, 3_600));
    public static final ConfigKey<Boolean> SWARM_TRUST_CLIENT_IP = key("swarm.trust_client_ip", "false",
            "Use the address a client sends (UDP \"ip\" field, HTTP \"ip\" parameter) instead of its source\n"
                + "address. Only for private trackers whose clients sit behind the same NAT as the tracker.",
            bool());

    public static final ConfigKey<Integer> LIMITS_MAX_TORRENTS = key("limits.max_torrents", "0",
            "Most torrents held at once; an announce for a new torrent past it gets an error.\n"
                + "0 = derived from the heap (-Xmx): 20 % of it at 80 bytes a torrent, e.g. 2,684,354 for 1 GiB.\n"
                + "The values in force are logged at start.",
            integer(0, MAX_INT));
    public static final ConfigKey<Integer> LIMITS_MAX_PEERS = key("limits.max_peers", "0",
            "Most peers held at once in all swarms (an IPv6 peer counts 3); a new peer past it gets an error.\n"
                + "0 = derived from the heap: 40 % of it at 32 bytes a peer, e.g. 13,421,772 for 1 GiB.",
            integer(0, MAX_INT));
    public static final ConfigKey<Integer> LIMITS_MAX_PEERS_PER_TORRENT = key("limits.max_peers_per_torrent", "0",
            "Most peers in one swarm; a new peer past it gets an error.\n"
                + "0 = derived from the heap: 5 % of it at 80 bytes a peer, e.g. 671,088 for 1 GiB.",
            integer(0, MAX_INT));
    public static final ConfigKey<Integer> LIMITS_NEW_TORRENTS_PER_ADDRESS_BURST = key("limits.new_torrents_per_address_burst", "1000",
            "New torrents one source address (IPv6: one /64) may create at once; it earns more at\n"
                + "new_torrents_per_address_per_second. Past it an announce that would create a torrent gets an error\n"
                + "(announces to existing torrents are never limited). Stops one host filling the tracker. 0 = no limit.",
            integer(0, MAX_INT));
    public static final ConfigKey<Integer> LIMITS_NEW_TORRENTS_PER_ADDRESS_PER_SECOND = key("limits.new_torrents_per_address_per_second", "10",
            "How fast an address earns new-torrent allowance back (see new_torrents_per_address_burst).",
            integer(1, 1_000_000));
    public static final ConfigKey<Integer> LIMITS_MAX_SCRAPE_HASHES = key("limits.max_scrape_hashes", "64",
            "Most info hashes in one scrape request. BEP 15 fits about 74 in one UDP packet.",
            integer(1, 1000));

    public static final ConfigKey<Boolean> UDP_ENABLED = key("udp.enabled", "true", "Serve BitTorrent over UDP (BEP 15).", bool());
    public static final ConfigKey<List<InetSocketAddress>> UDP_LISTEN = key("udp.listen", "[\"0.0.0.0:6969\", \"[::]:6969\"]",
            "Addresses to listen on. Every socket worker opens its own socket on each (SO_REUSEPORT).",
            addressList());
    public static final ConfigKey<Integer> UDP_RECEIVE_BUFFER_BYTES = key("udp.receive_buffer_bytes", "8388608",
            "Socket receive buffer. Linux caps it at net.core.rmem_max: raise that sysctl on busy trackers.",
            integer(0, MAX_INT));
    public static final ConfigKey<Integer> UDP_SEND_BUFFER_BYTES = key("udp.send_buffer_bytes", "8388608",
            "Socket send buffer. Linux caps it at net.core.wmem_max.", integer(0, MAX_INT));

    public static final ConfigKey<Boolean> HTTP_ENABLED = key("http.enabled", "true", "Serve BitTorrent over HTTP (BEP 3, 7, 23, 48).", bool());
    public static final ConfigKey<List<InetSocketAddress>> HTTP_LISTEN = key("http.listen", "[\"0.0.0.0:6969\", \"[::]:6969\"]", "Plain HTTP addresses (TCP).", addressList());
    public static final ConfigKey<Integer> HTTP_MAX_REQUEST_BYTES = key("http.max_request_bytes", "8192", "Most bytes of request line plus headers before the request is refused.",
            integer(256, 1 << 20));
    public static final ConfigKey<Integer> HTTP_READ_TIMEOUT_SECONDS = key("http.read_timeout_seconds", "15", "Idle keep-alive or slow connections are closed after this long.",
            integer(1, 3_600));
    public static final ConfigKey<Integer> HTTP_MAX_CONNECTIONS = key("http.max_connections", "100000",
            "Most HTTP(S) connections open at once (all addresses together); past it a new connection is\n"
                + "closed at once and counted. Each open connection is a file descriptor: keep it under the\n"
                + "process's open-files limit (ulimit -n, systemd LimitNOFILE).",
            integer(1, MAX_INT));
    public static final ConfigKey<Boolean> HTTP_FULL_SCRAPE = key("http.full_scrape", "false",
            "Answer /scrape without info_hash with every torrent (up to http.full_scrape_max_torrents).\n"
                + "Off: such a scrape gets a failure reason.",
            bool());
    public static final ConfigKey<Integer> HTTP_FULL_SCRAPE_MAX_AGE_SECONDS = key("http.full_scrape_max_age_seconds", "60",
            "A full scrape is served from a snapshot at most this old: a flood of full scrapes costs one\n"
                + "walk over the swarms per this many seconds.",
            integer(1, 86_400));
    public static final ConfigKey<Integer> HTTP_FULL_SCRAPE_MAX_TORRENTS = key("http.full_scrape_max_torrents", "100000",
            "Most torrents in a full scrape (about 70 bytes each: 100000 is a 7 MB reply); past it the\n"
                + "torrents with the most peers are kept.",
            integer(1, 10_000_000));

    public static final ConfigKey<List<InetSocketAddress>> HTTP_TLS_LISTEN = key("http.tls.listen", "[]", "HTTPS addresses (TCP). Empty = no HTTPS.", addressList());
    public static final ConfigKey<String> HTTP_TLS_CERT_PATH = key("http.tls.cert_path", "\"\"",
            "PEM certificate chain for HTTPS and WSS, leaf first. Both files are re-read on SIGHUP or SIGUSR1 and\n"
                + "when either changes; a bad new pair (unreadable, key not matching, expired) keeps the old one.",
            string());
    public static final ConfigKey<String> HTTP_TLS_KEY_PATH = key("http.tls.key_path", "\"\"",
            "PEM private key (unencrypted PKCS#8: BEGIN PRIVATE KEY) for HTTPS and WSS. Relative paths here are\n"
                + "relative to the directory of this config file.",
            string());
    public static final ConfigKey<String> HTTP_TLS_PROVIDER = key("http.tls.provider", "\"auto\"",
            "TLS implementation: openssl (BoringSSL, bundled), jdk, or auto = openssl when its native library\n"
                + "loads here, else jdk. The start log names the one in use.",
            oneOf("auto", "jdk", "openssl"));

    public static final ConfigKey<String> HTTP_PROXY_HEADER = key("http.proxy.header", "\"\"",
            "Header that carries the client address behind a reverse proxy: X-Forwarded-For or X-Real-IP.\n"
                + "Empty = use the connection's source address.",
            oneOf("", "x-forwarded-for", "x-real-ip"));
    public static final ConfigKey<List<Cidr>> HTTP_PROXY_TRUSTED = key("http.proxy.trusted", "[]", "Proxy addresses (IP or IP/PREFIX) whose header is believed.", cidrList());

    public static final ConfigKey<Boolean> WS_ENABLED = key("ws.enabled", "true",
            "Serve WebTorrent over WebSocket on the HTTP addresses (the Upgrade header tells HTTP and WS apart).",
            bool());
    public static final ConfigKey<List<InetSocketAddress>> WS_LISTEN = key("ws.listen", "[]", "Extra WebSocket-only addresses (TCP), besides the HTTP ones.", addressList());
    public static final ConfigKey<List<InetSocketAddress>> WS_TLS_LISTEN = key("ws.tls_listen", "[]",
            "WebSocket-only addresses served over TLS (wss://), with http.tls's certificate and key (and its\n"
                + "reloads). wss:// also works on http.tls.listen addresses.",
            addressList());
    public static final ConfigKey<Integer> WS_MAX_FRAME_BYTES = key("ws.max_frame_bytes", "65536", "Largest WebSocket message accepted.", integer(1_024, 1 << 24));
    public static final ConfigKey<Integer> WS_MAX_OFFERS_PER_ANNOUNCE = key("ws.max_offers_per_announce", "10", "Most WebRTC offers forwarded from one announce.", integer(0, 100));
    public static final ConfigKey<Integer> WS_MAX_CONNECTIONS = key("ws.max_connections", "100000", "Most WebSocket connections at once.", integer(1, MAX_INT));
    public static final ConfigKey<Integer> WS_IDLE_TIMEOUT_SECONDS = key("ws.idle_timeout_seconds", "300", "A connection silent this long is closed.", integer(10, 86_400));
    public static final ConfigKey<Integer> WS_PING_INTERVAL_SECONDS = key("ws.ping_interval_seconds", "60", "Idle connections are pinged this often.", integer(5, 86_400));

    public static final ConfigKey<String> ACCESS_LIST_MODE = key("access_list.mode", "\"off\"",
            "off: every info hash is served. allow: only those in the file. deny: all but those in the file.",
            oneOf("off", "allow", "deny"));
    public static final ConfigKey<String> ACCESS_LIST_PATH = key("access_list.path", "\"\"",
            "File of hex info hashes, one a line (# comments allowed). Re-read on SIGHUP or SIGUSR1 and when it changes.\n"
                + "A relative path is relative to the directory of this config file (not the working directory).",
            string());

    public static final ConfigKey<Boolean> CLUSTER_ENABLED = key("cluster.enabled", "false",
            "Share the swarms with other trackerd nodes through Redis: each node answers from its own\n"
                + "memory and publishes what its clients change; one node needs nothing of this.",
            bool());
    public static final ConfigKey<List<String>> CLUSTER_REDIS = key("cluster.redis", "[\"redis://127.0.0.1:6379\"]",
            "Redis to sync through: one redis:// (or rediss://) URL, or several seed URLs of one Redis Cluster\n"
                + "(then sharded pub/sub, SPUBLISH). Credentials go in the URL: redis://:PASSWORD@HOST:PORT.",
            redisUrls());
    public static final ConfigKey<String> CLUSTER_NODE_ID = key("cluster.node_id", "\"\"",
            "This node's name in the cluster: unique among the running nodes, visible ASCII, at most 64 bytes. Empty =\n"
                + "host name plus a random suffix, new at each start (a restarted node is a new node: the others drop the old\n"
                + "one's peers). Two running nodes with one name are taken for one node that keeps restarting.",
            string());
    public static final ConfigKey<Integer> CLUSTER_PUBLISH_INTERVAL_MS = key("cluster.publish_interval_ms", "100",
            "How often each node publishes its clients' changes (one message for all swarm workers).",
            integer(10, 10_000));
    public static final ConfigKey<Integer> CLUSTER_HEARTBEAT_SECONDS = key("cluster.heartbeat_seconds", "2",
            "A node publishes at least this often; one silent for 2 x this long loses its peers on the others\n"
                + "(noticed within 3 x this long of its last message).",
            integer(1, 300));

    public static final ConfigKey<Boolean> METRICS_ENABLED = key("metrics.enabled", "true", "Serve Prometheus metrics at GET /metrics.", bool());
    public static final ConfigKey<InetSocketAddress> METRICS_LISTEN = key("metrics.listen", "\"127.0.0.1:9969\"", "Metrics address; loopback only until you open it.", address());

    public static final ConfigKey<String> STATE_PATH = key("state.path", "\"\"",
            "Directory for the swarm snapshot and the UDP connection-id key, so that a restart keeps every swarm\n"
                + "(peers with the time they had left, completed counts) and the connection ids clients hold.\n"
                + "Written on SIGTERM and every save_interval_seconds; read at start before the sockets open.\n"
                + "Empty = nothing kept across restarts. The systemd unit sets it to its StateDirectory.\n"
                + "A relative path is relative to the directory of this config file.",
            string());
    public static final ConfigKey<Integer> STATE_SAVE_INTERVAL_SECONDS = key("state.save_interval_seconds", "300",
            "How often the snapshot is written while running (besides SIGTERM): what a crash can lose.\n"
                + "With [cluster] on, also how often this node's snapshot of its own peers is refreshed in Redis.",
            integer(1, 86_400));

    private static final List<ConfigKey<?>> KEYS = List.of(
        LOG_LEVEL,
        WORKERS_SOCKET_WORKERS,
        WORKERS_SWARM_WORKERS,
        WORKERS_QUEUE_CAPACITY,
        SWARM_ANNOUNCE_INTERVAL_SECONDS,
        SWARM_MIN_ANNOUNCE_INTERVAL_SECONDS,
        SWARM_PEER_TIMEOUT_SECONDS,
        SWARM_DEFAULT_NUMWANT,
        SWARM_MAX_RESPONSE_PEERS,
        SWARM_CLEANING_INTERVAL_SECONDS,
        SWARM_TRUST_CLIENT_IP,
        LIMITS_MAX_TORRENTS,
        LIMITS_MAX_PEERS,
        LIMITS_MAX_PEERS_PER_TORRENT,
        LIMITS_NEW_TORRENTS_PER_ADDRESS_BURST,
        LIMITS_NEW_TORRENTS_PER_ADDRESS_PER_SECOND,
        LIMITS_MAX_SCRAPE_HASHES,
        UDP_ENABLED,
        UDP_LISTEN,
        UDP_RECEIVE_BUFFER_BYTES,
        UDP_SEND_BUFFER_BYTES,
        HTTP_ENABLED,
        HTTP_LISTEN,
        HTTP_MAX_REQUEST_BYTES,
        HTTP_READ_TIMEOUT_SECONDS,
        HTTP_MAX_CONNECTIONS,
        HTTP_FULL_SCRAPE,
        HTTP_FULL_SCRAPE_MAX_AGE_SECONDS,
        HTTP_FULL_SCRAPE_MAX_TORRENTS,
        HTTP_TLS_LISTEN,
        HTTP_TLS_CERT_PATH,
        HTTP_TLS_KEY_PATH,
        HTTP_TLS_PROVIDER,
        HTTP_PROXY_HEADER,
        HTTP_PROXY_TRUSTED,
        WS_ENABLED,
        WS_LISTEN,
        WS_TLS_LISTEN,
        WS_MAX_FRAME_BYTES,
        WS_MAX_OFFERS_PER_ANNOUNCE,
        WS_MAX_CONNECTIONS,
        WS_IDLE_TIMEOUT_SECONDS,
        WS_PING_INTERVAL_SECONDS,
        ACCESS_LIST_MODE,
        ACCESS_LIST_PATH,
        CLUSTER_ENABLED,
        CLUSTER_REDIS,
        CLUSTER_NODE_ID,
        CLUSTER_PUBLISH_INTERVAL_MS,
        CLUSTER_HEARTBEAT_SECONDS,
        METRICS_ENABLED,
        METRICS_LISTEN,
        STATE_PATH,
        STATE_SAVE_INTERVAL_SECONDS);

    private static Map<String, String> tables() {
        Map<String, String> TABLES = new LinkedHashMap<>();
        TABLES.put("log", "Logging.");
        TABLES.put("workers", "Threads and queues.");
        TABLES.put("swarm", "Swarm rules shared by all protocols.");
        TABLES.put("limits", "Limits that guard memory.");
        TABLES.put("udp", "BitTorrent over UDP: udp://HOST:6969/announce");
        TABLES.put("http", "BitTorrent over HTTP: http://HOST:6969/announce");
        TABLES.put("http.tls", "HTTPS: https://HOST:PORT/announce (and wss:// for WebTorrent).");
        TABLES.put("http.proxy", "Running behind a reverse proxy.");
        TABLES.put("ws", "WebTorrent over WebSocket: ws://HOST:6969");
        TABLES.put("access_list", "Which info hashes are served.");
        TABLES.put("cluster", "Several nodes sharing one set of swarms through Redis.");
        TABLES.put("metrics", "Prometheus metrics.");
        TABLES.put("state", "Swarms that survive a restart.");
        return TABLES;
    }


    public static final ConfigSchema SCHEMA = new ConfigSchema(
        "trackerd configuration. Every key shows its default; delete what you do not change.", tables(), KEYS);

    private TrackerSchema() {}
}
