package trackerd.loadtest;

import static trackerd.config.ConfigSchema.key;
import static trackerd.config.ValueTypes.bool;
import static trackerd.config.ValueTypes.integer;
import static trackerd.config.ValueTypes.string;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import trackerd.config.ConfigKey;
import trackerd.config.ConfigSchema;

/** Every key of the load tester's config file. */
final class LoadTestSchema {
    private static final List<ConfigKey> KEYS = List.of(
        key("target.address", "\"127.0.0.1:6969\"",
            "Tracker to load: IP:PORT, or a URL such as udp://[::1]:6969/announce, http://127.0.0.1:6969/announce,\n"
                + "https://..., ws://127.0.0.1:6969 or wss://... (https/wss mean TLS). A host name is resolved once at\n"
                + "start (its first address). Only this address gets traffic. HTTP scrapes go to the announce path with \"announce\" replaced by \"scrape\".",
            string()),
        key("target.tls_verify", "false",
            "https/wss: check the tracker's certificate against the JDK's trust store. Off by default, since a\n"
                + "staging tracker often has a self-signed certificate.",
            bool()),

        key("run.warmup_seconds", "5",
            "Load sent first and not counted, so that both this tool's and the tracker's JIT have compiled\n"
                + "the hot path before the clock starts.",
            integer(0, 600)),
        key("run.duration_seconds", "30", "How long requests are sent and counted.", integer(1, 3_600)),
        key("run.drain_seconds", "3",
            "After the duration, how long to wait for replies still in flight; then the run stops, whatever is left.",
            integer(0, 60)),
        key("run.workers", "1", "Load threads, each with its own event loop and sockets.", integer(1, 64)),
        key("run.rate", "0",
            "Requests per second in all workers. 0 = saturation: every socket keeps its window full.\n"
                + "With a rate, latency counts from the intended send time, so a stalled tracker shows.",
            integer(0, 100_000_000)),
        key("run.json", "\"\"", "Also write the final report as JSON to this file.", string()),
        key("run.progress", "true", "Print progress once a second on stderr (it reads the latency histograms each second, a few ms of the load thread's core: turn it off for latency runs).", bool()),
        key("run.tracker_pid", "0",
            "Benchmarks on one machine: the tracker's process id, to report its CPU seconds over the measured\n"
                + "window and the answers per tracker CPU-second. 0 = not measured.",
            integer(0, Integer.MAX_VALUE)),

        key("workload.torrents", "10000", "Torrents in the pool.", integer(1, 10_000_000)),
        key("workload.zipf_exponent_milli", "1000",
            "Popularity skew: torrent of rank r gets weight 1/r^(value/1000). 0 = uniform.", integer(0, 5_000)),
        key("workload.peers", "50000",
            "Peers in the pool; each belongs to one torrent drawn by popularity. Every peer announces from this\n"
                + "machine's address, so a peer is its port: the pool is at most 65535.",
            integer(1, 65_535)),
        key("workload.seeder_percent", "30", "Share of peers that are seeders (left = 0).", integer(0, 100)),
        key("workload.connect_weight", "0",
            "Request mix: extra connects (UDP sends connects anyway when ids are missing or old).", integer(0, 1000)),
        key("workload.announce_weight", "90", "Request mix: announces.", integer(0, 1000)),
        key("workload.scrape_weight", "10", "Request mix: scrapes.", integer(0, 1000)),
        key("workload.started_percent", "5", "Announces with event=started.", integer(0, 100)),
        key("workload.completed_percent", "2", "Announces with event=completed.", integer(0, 100)),
        key("workload.stopped_percent", "3", "Announces with event=stopped.", integer(0, 100)),
        key("workload.numwant", "50", "numwant of every announce.", integer(0, 1000)),
        key("workload.scrape_hashes", "10", "Info hashes per scrape (drawn by popularity).", integer(1, 74)),
        key("workload.seed", "1", "Random seed: the same seed gives the same pool and the same requests.",
            integer(Long.MIN_VALUE, Long.MAX_VALUE)),

        key("udp.sockets_per_worker", "8", "UDP sockets per worker.", integer(1, 1024)),
        key("udp.window", "32", "Requests in flight per socket.", integer(1, 1024)),
        key("udp.timeout_ms", "1000", "A request without a reply after this long counts as a timeout.",
            integer(1, 60_000)),
        key("udp.gso", "true",
            "Send same-size announces of one socket as one UDP GSO send (Linux 4.18+, epoll), which the kernel\n"
                + "splits into ordinary datagrams: the tracker sees no difference, this tool sends far more per core.",
            bool()),
        key("udp.connection_refresh_seconds", "50",
            "A new connect is sent when the connection id is this old (BEP 15 ids live one minute).",
            integer(1, 3_600)),

        key("http.connections_per_worker", "32", "TCP connections per worker, each with one request in flight.",
            integer(1, 10_000)),
        key("http.keep_alive", "true",
            "Reuse connections (HTTP/1.1 keep-alive). false = a new connection per request, as many real clients do.",
            bool()),
        key("http.timeout_ms", "5000",
            "A request without a full reply after this long counts as a timeout; its connection is closed.",
            integer(1, 60_000)),

        key("ws.connections_per_worker", "32",
            "WebSocket connections per worker; each is one WebTorrent client (one peer id) with one request in flight.",
            integer(1, 10_000)),
        key("ws.offers_per_announce", "5",
            "Generated WebRTC offers in each announce (also its numwant); the tracker relays them to other peers.",
            integer(0, 100)),
        key("ws.timeout_ms", "5000",
            "A request without its reply after this long counts as a timeout; its connection is closed.",
            integer(1, 60_000)));

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
