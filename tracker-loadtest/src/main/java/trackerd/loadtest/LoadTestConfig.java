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
        Target target, int connectSeconds, int warmupSeconds, int durationSeconds, int drainSeconds, int workers, long rate, Path json,
        boolean progress, long trackerPid, WorkloadConfig workload, Udp udp, Http http, Ws ws) {

    record WorkloadConfig(
            int torrents, double zipfExponent, int peers, int seederPercent, int connectWeight, int announceWeight,
            int scrapeWeight, int startedPercent, int completedPercent, int stoppedPercent, int numwant,
            int scrapeHashes, long seed, int ownTorrentsPercent, int ownTorrentsTag) {
        /** Every torrent rank with the usual info hashes. */
        WorkloadConfig(int torrents, double zipfExponent, int peers, int seederPercent, int connectWeight,
                       int announceWeight, int scrapeWeight, int startedPercent, int completedPercent,
                       int stoppedPercent, int numwant, int scrapeHashes, long seed) {
            this(torrents, zipfExponent, peers, seederPercent, connectWeight, announceWeight, scrapeWeight,
                startedPercent, completedPercent, stoppedPercent, numwant, scrapeHashes, seed, 0, 1);
        }
    }

    /** {@code bind} is null for any address. */
    record Udp(int socketsPerWorker, int window, int timeoutMillis, int connectionRefreshSeconds, boolean gso,
               InetAddress bind) {}

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
            if (!fits) throw new ConfigException(LoadTestSchema.TARGET_ADDRESS.path(), "a " + scheme + ":// URL cannot be loaded in " + mode + " mode");
        }
    }

    static LoadTestConfig load(Path file, List<String> sets) throws ConfigException {
        ConfigValues v = ConfigLoader.values(LoadTestSchema.SCHEMA, file, sets);
        String json = v.get(LoadTestSchema.RUN_JSON);
        WorkloadConfig workload = new WorkloadConfig(
            v.get(LoadTestSchema.WORKLOAD_TORRENTS), v.get(LoadTestSchema.WORKLOAD_ZIPF_EXPONENT_MILLI) / 1000.0,
            v.get(LoadTestSchema.WORKLOAD_PEERS), v.get(LoadTestSchema.WORKLOAD_SEEDER_PERCENT), v.get(LoadTestSchema.WORKLOAD_CONNECT_WEIGHT),
            v.get(LoadTestSchema.WORKLOAD_ANNOUNCE_WEIGHT), v.get(LoadTestSchema.WORKLOAD_SCRAPE_WEIGHT),
            v.get(LoadTestSchema.WORKLOAD_STARTED_PERCENT), v.get(LoadTestSchema.WORKLOAD_COMPLETED_PERCENT),
            v.get(LoadTestSchema.WORKLOAD_STOPPED_PERCENT), v.get(LoadTestSchema.WORKLOAD_NUMWANT), v.get(LoadTestSchema.WORKLOAD_SCRAPE_HASHES),
            v.get(LoadTestSchema.WORKLOAD_SEED), v.get(LoadTestSchema.WORKLOAD_OWN_TORRENTS_PERCENT),
            v.get(LoadTestSchema.WORKLOAD_OWN_TORRENTS_TAG));
        if (workload.connectWeight() + workload.announceWeight() + workload.scrapeWeight() == 0) {
            throw new ConfigException(LoadTestSchema.WORKLOAD_ANNOUNCE_WEIGHT.path(), "the request mix weights add up to 0");
        }
        if (workload.scrapeHashes() > workload.torrents()) {
            throw new ConfigException(LoadTestSchema.WORKLOAD_SCRAPE_HASHES.path(), "more than workload.torrents: a scrape names distinct torrents");
        }
        if ((long) workload.torrents() > Workload.MAX_RANKS && workload.ownTorrentsPercent() > 0) {
            throw new ConfigException(LoadTestSchema.WORKLOAD_OWN_TORRENTS_PERCENT.path(), "needs workload.torrents <= " + Workload.MAX_RANKS);
        }
        if (workload.startedPercent() + workload.completedPercent() + workload.stoppedPercent() > 100) {
            throw new ConfigException(LoadTestSchema.WORKLOAD_STOPPED_PERCENT.path(), "event percentages add up to more than 100");
        }
        return new LoadTestConfig(
            target(v.get(LoadTestSchema.TARGET_ADDRESS), v.get(LoadTestSchema.TARGET_TLS_VERIFY)), v.get(LoadTestSchema.RUN_CONNECT_SECONDS),
            v.get(LoadTestSchema.RUN_WARMUP_SECONDS), v.get(LoadTestSchema.RUN_DURATION_SECONDS), v.get(LoadTestSchema.RUN_DRAIN_SECONDS),
            v.get(LoadTestSchema.RUN_WORKERS), v.get(LoadTestSchema.RUN_RATE), json.isEmpty() ? null : Path.of(json),
            v.get(LoadTestSchema.RUN_PROGRESS), v.get(LoadTestSchema.RUN_TRACKER_PID), workload,
            new Udp(v.get(LoadTestSchema.UDP_SOCKETS_PER_WORKER), v.get(LoadTestSchema.UDP_WINDOW), v.get(LoadTestSchema.UDP_TIMEOUT_MS),
                v.get(LoadTestSchema.UDP_CONNECTION_REFRESH_SECONDS), v.get(LoadTestSchema.UDP_GSO), bind(v.get(LoadTestSchema.UDP_BIND))),
            new Http(v.get(LoadTestSchema.HTTP_CONNECTIONS_PER_WORKER), v.get(LoadTestSchema.HTTP_KEEP_ALIVE), v.get(LoadTestSchema.HTTP_TIMEOUT_MS)),
            new Ws(v.get(LoadTestSchema.WS_CONNECTIONS_PER_WORKER), v.get(LoadTestSchema.WS_OFFERS_PER_ANNOUNCE), v.get(LoadTestSchema.WS_TIMEOUT_MS)));
    }

    private static InetAddress bind(String ip) throws ConfigException {
        if (ip.isEmpty()) return null;
        if (!NetUtil.isValidIpV4Address(ip) && !NetUtil.isValidIpV6Address(ip)) {
            throw new ConfigException(LoadTestSchema.UDP_BIND.path(), "not an IP address: \"" + ip + "\"");
        }
        try {
            return InetAddress.getByAddress(NetUtil.createByteArrayFromIpAddressString(ip));
        } catch (UnknownHostException e) { // only for a byte array of a wrong length, which NetUtil never gives
            throw new ConfigException(LoadTestSchema.UDP_BIND.path(), e.getMessage());
        }
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
                throw new ConfigException(LoadTestSchema.TARGET_ADDRESS.path(), "unknown scheme \"" + scheme + "\" (udp, http, https, ws, wss)");
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
            throw new ConfigException(LoadTestSchema.TARGET_ADDRESS.path(), e.getMessage());
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
            throw new ConfigException(LoadTestSchema.TARGET_ADDRESS.path(), "cannot resolve host \"" + host + "\"");
        }
    }
}
