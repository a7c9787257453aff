package trackerd.loadtest;

import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.List;
import trackerd.config.ConfigException;
import trackerd.config.ConfigLoader;
import trackerd.config.ConfigValues;
import trackerd.net.SocketAddresses;

/** The load tester's validated configuration. */
record LoadTestConfig(
        Target target, int warmupSeconds, int durationSeconds, int drainSeconds, int workers, long rate, Path json,
        boolean progress, long trackerPid, WorkloadConfig workload, Udp udp, Http http, Ws ws) {

    record WorkloadConfig(
            int torrents, double zipfExponent, int peers, int seederPercent, int connectWeight, int announceWeight,
            int scrapeWeight, int startedPercent, int completedPercent, int stoppedPercent, int numwant,
            int scrapeHashes, long seed) {}

    record Udp(int socketsPerWorker, int window, int timeoutMillis, int connectionRefreshSeconds, boolean gso) {}

    record Http(int connectionsPerWorker, boolean keepAlive, int timeoutMillis) {}

    record Ws(int connectionsPerWorker, int offersPerAnnounce, int timeoutMillis) {}

    /**
     * Where the load goes. {@code scheme} is null for a bare IP:PORT; {@code path} is what
     * followed the address in a URL ("" if nothing did).
     */
    record Target(String scheme, InetSocketAddress address, String path, boolean tlsVerify) {
        boolean tls() {
            return "https".equals(scheme) || "wss".equals(scheme);
        }

        /** The Host header: the host name given, else the address as written in a URL. */
        String host() {
            String name = address.getHostString();
            boolean literal = NetUtil.isValidIpV4Address(name) || NetUtil.isValidIpV6Address(name);
            return literal ? SocketAddresses.format(address) : name + ":" + address.getPort();
        }

        /** The path of requests in a mode: the URL's, else that mode's usual one. */
        String path(String mode) {
            if (!path.isEmpty()) return path;
            return mode.equals("http") ? "/announce" : "/";
        }

        /** Fails when a URL's scheme belongs to another mode. */
        void check(String mode) throws ConfigException {
            if (scheme == null) return;
            boolean fits = switch (mode) {
                case "http" -> scheme.equals("http") || scheme.equals("https");
                case "ws" -> scheme.equals("ws") || scheme.equals("wss");
                default -> scheme.equals(mode);
            };
            if (!fits) throw new ConfigException("target.address", "a " + scheme + ":// URL cannot be loaded in " + mode + " mode");
        }
    }

    static LoadTestConfig load(Path file, List<String> sets) throws ConfigException {
        ConfigValues v = ConfigLoader.values(LoadTestSchema.SCHEMA, file, sets);
        String json = v.string("run.json");
        WorkloadConfig workload = new WorkloadConfig(
            v.integer("workload.torrents"), v.integer("workload.zipf_exponent_milli") / 1000.0,
            v.integer("workload.peers"), v.integer("workload.seeder_percent"), v.integer("workload.connect_weight"),
            v.integer("workload.announce_weight"), v.integer("workload.scrape_weight"),
            v.integer("workload.started_percent"), v.integer("workload.completed_percent"),
            v.integer("workload.stopped_percent"), v.integer("workload.numwant"), v.integer("workload.scrape_hashes"),
            v.longValue("workload.seed"));
        if (workload.connectWeight() + workload.announceWeight() + workload.scrapeWeight() == 0) {
            throw new ConfigException("workload.announce_weight", "the request mix weights add up to 0");
        }
        if (workload.scrapeHashes() > workload.torrents()) {
            throw new ConfigException("workload.scrape_hashes", "more than workload.torrents: a scrape names distinct torrents");
        }
        if (workload.startedPercent() + workload.completedPercent() + workload.stoppedPercent() > 100) {
            throw new ConfigException("workload.stopped_percent", "event percentages add up to more than 100");
        }
        return new LoadTestConfig(
            target(v.string("target.address"), v.bool("target.tls_verify")), v.integer("run.warmup_seconds"), v.integer("run.duration_seconds"), v.integer("run.drain_seconds"),
            v.integer("run.workers"), v.longValue("run.rate"), json.isEmpty() ? null : Path.of(json),
            v.bool("run.progress"), v.longValue("run.tracker_pid"), workload,
            new Udp(v.integer("udp.sockets_per_worker"), v.integer("udp.window"), v.integer("udp.timeout_ms"),
                v.integer("udp.connection_refresh_seconds"), v.bool("udp.gso")),
            new Http(v.integer("http.connections_per_worker"), v.bool("http.keep_alive"), v.integer("http.timeout_ms")),
            new Ws(v.integer("ws.connections_per_worker"), v.integer("ws.offers_per_announce"), v.integer("ws.timeout_ms")));
    }

    /** IP:PORT, [IPv6]:PORT, HOST:PORT, or a tracker URL; a host name is resolved once, here. */
    static Target target(String text, boolean tlsVerify) throws ConfigException {
        String scheme = null;
        String hostPort = text;
        String path = "";
        int colonSlashes = text.indexOf("://");
        if (colonSlashes >= 0) {
            scheme = text.substring(0, colonSlashes).toLowerCase(java.util.Locale.ROOT);
            if (!List.of("udp", "http", "https", "ws", "wss").contains(scheme)) {
                throw new ConfigException("target.address", "unknown scheme \"" + scheme + "\" (udp, http, https, ws, wss)");
            }
            hostPort = text.substring(colonSlashes + 3);
            int slash = hostPort.indexOf('/');
            if (slash >= 0) {
                path = hostPort.substring(slash);
                hostPort = hostPort.substring(0, slash);
            }
        }
        try {
            return new Target(scheme, resolve(hostPort), path, tlsVerify);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("target.address", e.getMessage());
        }
    }

    /**
     * An IP literal as the tracker's own config takes it; anything else before the last colon is
     * a host name, looked up now (the first address the resolver gives), so that the run itself
     * never waits on DNS. The name is kept for the Host header.
     */
    private static InetSocketAddress resolve(String hostPort) throws ConfigException {
        int colon = hostPort.lastIndexOf(':');
        if (hostPort.startsWith("[") || colon <= 0 || NetUtil.isValidIpV4Address(hostPort.substring(0, colon))
                || hostPort.indexOf(':') != colon) {
            return SocketAddresses.parse(hostPort);
        }
        String host = hostPort.substring(0, colon);
        int port = SocketAddresses.parse("0.0.0.0" + hostPort.substring(colon)).getPort(); // same port checks
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (UnknownHostException e) {
            throw new ConfigException("target.address", "cannot resolve host \"" + host + "\"");
        }
    }
}
