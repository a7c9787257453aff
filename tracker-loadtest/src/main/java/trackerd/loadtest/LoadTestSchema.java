package trackerd.loadtest;

import static trackerd.config.ConfigSchema.key;
import static trackerd.config.ValueTypes.bool;
import static trackerd.config.ValueTypes.integer;
import static trackerd.config.ValueTypes.longInteger;
import static trackerd.config.ValueTypes.string;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import trackerd.config.ConfigKey;
import trackerd.config.ConfigSchema;

/** Every key of the load tester's config file. */
final class LoadTestSchema {
    static final ConfigKey<String> TARGET_ADDRESS = key("target.address", "\"127.0.0.1:6969\"",
            "Tracker to load: IP:PORT, or a URL such as udp://[::1]:6969/announce, http://127.0.0.1:6969/announce,\n"
                + "https://..., ws://127.0.0.1:6969 or wss://... (https/wss mean TLS). A host name is resolved once at\n"
                + "start (its first address). Only this address gets traffic. HTTP scrapes go to the announce path with \"announce\" replaced by \"scrape\".",
            string());
    static final ConfigKey<Boolean> TARGET_TLS_VERIFY = key("target.tls_verify", "false",
            "https/wss: check the tracker's certificate against the JDK's trust store. Off by default, since a\n"
                + "staging tracker often has a self-signed certificate.",
            bool());

    static final ConfigKey<Integer> RUN_CONNECT_SECONDS = key("run.connect_seconds", "10",
            "How long every socket or connection may take to open (WebSocket: TCP and handshake) before the run\n"
                + "ends as unreachable. Raise it for thousands of connections on a busy machine.",
            integer(1, 600));
    static final ConfigKey<Integer> RUN_WARMUP_SECONDS = key("run.warmup_seconds", "5",
            "Load sent first and not counted, so that both this tool's and the tracker's JIT have compiled\n"
                + "the hot path before the clock starts.",
            integer(0, 600));
    static final ConfigKey<Integer> RUN_DURATION_SECONDS = key("run.duration_seconds", "30", "How long requests are sent and counted.", integer(1, 3_600));
    static final ConfigKey<Integer> RUN_DRAIN_SECONDS = key("run.drain_seconds", "3",
            "After the duration, how long to wait for replies still in flight; then the run stops, whatever is left.",
            integer(0, 60));
    static final ConfigKey<Integer> RUN_WORKERS = key("run.workers", "1", "Load threads, each with its own event loop and sockets.", integer(1, 64));
    static final ConfigKey<Long> RUN_RATE = key("run.rate", "0",
            "Requests per second in all workers. 0 = saturation: every socket keeps its window full.\n"
                + "With a rate, latency counts from the intended send time, so a stalled tracker shows.",
            longInteger(0, 100_000_000));
    static final ConfigKey<String> RUN_JSON = key("run.json", "\"\"", "Also write the final report as JSON to this file.", string());
    static final ConfigKey<Boolean> RUN_PROGRESS = key("run.progress", "true", "Print progress once a second on stderr (it reads the latency histograms each second, a few ms of the load thread's core: turn it off for latency runs).", bool());
    static final ConfigKey<Long> RUN_TRACKER_PID = key("run.tracker_pid", "0",
            "Benchmarks on one machine: the tracker's process id, to report its CPU seconds over the measured\n"
                + "window and the answers per tracker CPU-second. 0 = not measured.",
            longInteger(0, Integer.MAX_VALUE));

    static final ConfigKey<Integer> WORKLOAD_TORRENTS = key("workload.torrents", "10000", "Torrents in the pool.", integer(1, 10_000_000));
    static final ConfigKey<Integer> WORKLOAD_ZIPF_EXPONENT_MILLI = key("workload.zipf_exponent_milli", "1000",
            "Popularity skew: torrent of rank r gets weight 1/r^(value/1000). 0 = uniform.", integer(0, 5_000));
    static final ConfigKey<Integer> WORKLOAD_PEERS = key("workload.peers", "50000",
            "Peers in the pool; each belongs to one torrent drawn by popularity. Every peer announces from this\n"
                + "machine's address, so a peer is its port: the pool is at most 65535.",
            integer(1, 65_535));
    static final ConfigKey<Integer> WORKLOAD_SEEDER_PERCENT = key("workload.seeder_percent", "30", "Share of peers that are seeders (left = 0).", integer(0, 100));
    static final ConfigKey<Integer> WORKLOAD_CONNECT_WEIGHT = key("workload.connect_weight", "0",
            "Request mix: extra connects (UDP sends connects anyway when ids are missing or old).", integer(0, 1000));
    static final ConfigKey<Integer> WORKLOAD_ANNOUNCE_WEIGHT = key("workload.announce_weight", "90", "Request mix: announces.", integer(0, 1000));
    static final ConfigKey<Integer> WORKLOAD_SCRAPE_WEIGHT = key("workload.scrape_weight", "10", "Request mix: scrapes.", integer(0, 1000));
    static final ConfigKey<Integer> WORKLOAD_STARTED_PERCENT = key("workload.started_percent", "5", "Announces with event=started.", integer(0, 100));
    static final ConfigKey<Integer> WORKLOAD_COMPLETED_PERCENT = key("workload.completed_percent", "2", "Announces with event=completed.", integer(0, 100));
    static final ConfigKey<Integer> WORKLOAD_STOPPED_PERCENT = key("workload.stopped_percent", "3", "Announces with event=stopped.", integer(0, 100));
    static final ConfigKey<Integer> WORKLOAD_NUMWANT = key("workload.numwant", "50", "numwant of every announce.", integer(0, 1000));
    static final ConfigKey<Integer> WORKLOAD_SCRAPE_HASHES = key("workload.scrape_hashes", "10", "Info hashes per scrape (drawn by popularity).", integer(1, 74));
    static final ConfigKey<Long> WORKLOAD_SEED = key("workload.seed", "1", "Random seed: the same seed gives the same pool and the same requests.",
            longInteger(Long.MIN_VALUE, Long.MAX_VALUE));

    static final ConfigKey<Integer> WORKLOAD_OWN_TORRENTS_PERCENT = key("workload.own_torrents_percent", "0",
            "Share of the torrent ranks (spread evenly over the popularity ranking; below 100 the most popular is shared) whose\n"
                + "info hashes are this tester's own, derived from workload.own_torrents_tag; the other ranks have the\n"
                + "usual info hashes. Two testers with different tags then load some torrents in common and some apart\n"
                + "(a cluster benchmark: one tester per node).",
            integer(0, 100));
    static final ConfigKey<Integer> WORKLOAD_OWN_TORRENTS_TAG = key("workload.own_torrents_tag", "1",
            "Tells the own torrents of testers apart (see workload.own_torrents_percent).", integer(1, 127));

    static final ConfigKey<Integer> UDP_SOCKETS_PER_WORKER = key("udp.sockets_per_worker", "8", "UDP sockets per worker.", integer(1, 1024));
    static final ConfigKey<Integer> UDP_WINDOW = key("udp.window", "32", "Requests in flight per socket.", integer(1, 1024));
    static final ConfigKey<Integer> UDP_TIMEOUT_MS = key("udp.timeout_ms", "1000", "A request without a reply after this long counts as a timeout.",
            integer(1, 60_000));
    static final ConfigKey<Boolean> UDP_GSO = key("udp.gso", "true",
            "Send same-size announces of one socket as one UDP GSO send (Linux 4.18+, epoll), which the kernel\n"
                + "splits into ordinary datagrams: the tracker sees no difference, this tool sends far more per core.",
            bool());
    static final ConfigKey<String> UDP_BIND = key("udp.bind", "\"\"",
            "Local IP the sockets bind to (\"\" = any, the kernel picks). Peers are this address: two testers on one\n"
                + "machine bound to 127.0.0.1 and 127.0.0.2 are different peers to a tracker.",
            string());
    static final ConfigKey<Integer> UDP_CONNECTION_REFRESH_SECONDS = key("udp.connection_refresh_seconds", "50",
            "A new connect is sent when the connection id is this old (BEP 15 ids live one minute).",
            integer(1, 3_600));

    static final ConfigKey<Integer> HTTP_CONNECTIONS_PER_WORKER = key("http.connections_per_worker", "32", "TCP connections per worker, each with one request in flight.",
            integer(1, 10_000));
    static final ConfigKey<Boolean> HTTP_KEEP_ALIVE = key("http.keep_alive", "true",
            "Reuse connections (HTTP/1.1 keep-alive). false = a new connection per request, as many real clients do.",
            bool());
    static final ConfigKey<Integer> HTTP_TIMEOUT_MS = key("http.timeout_ms", "5000",
            "A request without a full reply after this long counts as a timeout; its connection is closed.",
            integer(1, 60_000));

    static final ConfigKey<Integer> WS_CONNECTIONS_PER_WORKER = key("ws.connections_per_worker", "32",
            "WebSocket connections per worker; each is one WebTorrent client (one peer id) with one request in flight.",
            integer(1, 10_000));
    static final ConfigKey<Integer> WS_OFFERS_PER_ANNOUNCE = key("ws.offers_per_announce", "5",
            "Generated WebRTC offers in each announce (also its numwant); the tracker relays them to other peers.",
            integer(0, 100));
    static final ConfigKey<Integer> WS_TIMEOUT_MS = key("ws.timeout_ms", "5000",
            "A request without its reply after this long counts as a timeout; its connection is closed.",
            integer(1, 60_000));

    private static final List<ConfigKey<?>> KEYS = List.of(
        TARGET_ADDRESS,
        TARGET_TLS_VERIFY,
        RUN_CONNECT_SECONDS,
        RUN_WARMUP_SECONDS,
        RUN_DURATION_SECONDS,
        RUN_DRAIN_SECONDS,
        RUN_WORKERS,
        RUN_RATE,
        RUN_JSON,
        RUN_PROGRESS,
        RUN_TRACKER_PID,
        WORKLOAD_TORRENTS,
        WORKLOAD_ZIPF_EXPONENT_MILLI,
        WORKLOAD_PEERS,
        WORKLOAD_SEEDER_PERCENT,
        WORKLOAD_CONNECT_WEIGHT,
        WORKLOAD_ANNOUNCE_WEIGHT,
        WORKLOAD_SCRAPE_WEIGHT,
        WORKLOAD_STARTED_PERCENT,
        WORKLOAD_COMPLETED_PERCENT,
        WORKLOAD_STOPPED_PERCENT,
        WORKLOAD_NUMWANT,
        WORKLOAD_SCRAPE_HASHES,
        WORKLOAD_SEED,
        WORKLOAD_OWN_TORRENTS_PERCENT,
        WORKLOAD_OWN_TORRENTS_TAG,
        UDP_SOCKETS_PER_WORKER,
        UDP_WINDOW,
        UDP_TIMEOUT_MS,
        UDP_GSO,
        UDP_BIND,
        UDP_CONNECTION_REFRESH_SECONDS,
        HTTP_CONNECTIONS_PER_WORKER,
        HTTP_KEEP_ALIVE,
        HTTP_TIMEOUT_MS,
        WS_CONNECTIONS_PER_WORKER,
        WS_OFFERS_PER_ANNOUNCE,
        WS_TIMEOUT_MS);

    static final ConfigSchema SCHEMA = new ConfigSchema(
        "trackerd load tester configuration. Every key shows its default.", tables(), KEYS);

    private static Map<String, String> tables() {
        Map<String, String> tables = new LinkedHashMap<>();
        tables.put("target", "What to load.");
        tables.put("run", "How long and how hard.");
        tables.put("workload", "What the requests look like.");
        tables.put("udp", "UDP (BEP 15) mode.");
        tables.put("http", "HTTP and HTTPS (BEP 3, 23) mode.");
        tables.put("ws", "WebTorrent over WebSocket mode: announces with offers, answers to received offers.");
        return tables;
    }

    private LoadTestSchema() {}
}
