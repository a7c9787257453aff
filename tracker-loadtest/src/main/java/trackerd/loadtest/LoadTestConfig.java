package trackerd.loadtest;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import trackerd.config.ConfigException;
import trackerd.config.ConfigLoader;
import trackerd.config.ConfigValues;
import trackerd.net.SocketAddresses;

/** The load tester's validated configuration. */
record LoadTestConfig(
        InetSocketAddress target, int warmupSeconds, int durationSeconds, int drainSeconds, int workers, long rate, Path json,
        boolean progress, long trackerPid, WorkloadConfig workload, Udp udp) {

    record WorkloadConfig(
            int torrents, double zipfExponent, int peers, int seederPercent, int connectWeight, int announceWeight,
            int scrapeWeight, int startedPercent, int completedPercent, int stoppedPercent, int numwant,
            int scrapeHashes, long seed) {}

    record Udp(int socketsPerWorker, int window, int timeoutMillis, int connectionRefreshSeconds, boolean gso) {}

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
        if (workload.startedPercent() + workload.completedPercent() + workload.stoppedPercent() > 100) {
            throw new ConfigException("workload.stopped_percent", "event percentages add up to more than 100");
        }
        return new LoadTestConfig(
            target(v.string("target.address")), v.integer("run.warmup_seconds"), v.integer("run.duration_seconds"), v.integer("run.drain_seconds"),
            v.integer("run.workers"), v.longValue("run.rate"), json.isEmpty() ? null : Path.of(json),
            v.bool("run.progress"), v.longValue("run.tracker_pid"), workload,
            new Udp(v.integer("udp.sockets_per_worker"), v.integer("udp.window"), v.integer("udp.timeout_ms"),
                v.integer("udp.connection_refresh_seconds"), v.bool("udp.gso")));
    }

    /** IP:PORT, [IPv6]:PORT, or a tracker URL with a literal host. */
    static InetSocketAddress target(String text) throws ConfigException {
        String hostPort = text;
        int scheme = text.indexOf("://");
        if (scheme >= 0) {
            hostPort = text.substring(scheme + 3);
            int slash = hostPort.indexOf('/');
            if (slash >= 0) hostPort = hostPort.substring(0, slash);
        }
        try {
            return SocketAddresses.parse(hostPort);
        } catch (IllegalArgumentException e) {
            throw new ConfigException("target.address", e.getMessage());
        }
    }
}
