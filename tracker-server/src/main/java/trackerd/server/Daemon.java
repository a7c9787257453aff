package trackerd.server;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import com.sun.management.UnixOperatingSystemMXBean;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.access.AccessList;
import trackerd.access.AccessListFile.AccessListException;
import trackerd.access.AccessListWatcher;
import trackerd.cluster.ClusterNode;
import trackerd.config.AccessMode;
import trackerd.config.MemoryBudget;
import trackerd.config.TrackerConfig;
import trackerd.metrics.MetricsServer;
import trackerd.metrics.TrackerMetrics;
import trackerd.net.SocketAddresses;
import trackerd.stats.TrackerStats;
import trackerd.runtime.WorkerThreadFactory;
import trackerd.handoff.GatewaySizing;
import trackerd.http.server.HttpFrontEnd;
import trackerd.loop.LoopContexts;
import trackerd.loop.SwarmCore;
import trackerd.runtime.TrackerClock;
import trackerd.swarm.InfoHashFilter;
import trackerd.swarm.SwarmEngine;
import trackerd.state.SecretFile;
import trackerd.state.SwarmState;
import trackerd.http.tls.ReloadableSslContext;
import trackerd.http.tls.ReloadableSslContext.TlsStartException;
import trackerd.runtime.FileChangeWatcher;
import trackerd.udp.protocol.ConnectionIds;
import trackerd.udp.server.UdpFrontEnd;
import trackerd.ws.server.WsFrontEnd;

/**
 * The running tracker: metrics, access list, socket workers, swarm workers and front ends,
 * started in dependency order and closed in reverse. Closing first stops every listener, then
 * lets queued work finish, then stops the threads.
 */
public final class Daemon implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
    private static final long ACCESS_LIST_POLL_MILLIS = 1_000;
    private static final long TLS_POLL_MILLIS = 1_000;
    static final String CONNECTION_ID_KEY_FILE = "udp-connection-id.key";

    private final List<AutoCloseable> closeInReverse = new ArrayList<>();
    private final List<String> listening = new ArrayList<>();
    private final TrackerMetrics metrics;
    private AccessList accessList;
    /** Null when http.tls.listen is empty. */
    private ReloadableSslContext tls;
    private MetricsServer metricsServer;
    private UdpFrontEnd udp;
    private HttpFrontEnd http;
    /** Null when ws.enabled is false. */
    private WsFrontEnd ws;
    private LoopContexts loopContexts;
    private EventLoopGroup socketWorkers;
    private volatile boolean closing;

    private Daemon() {
        metrics = new TrackerMetrics();
        closeInReverse.add(metrics);
    }

    /** Starts everything the config enables, or closes what it started and throws. */
    public static Daemon start(TrackerConfig config, Thread.UncaughtExceptionHandler onWorkerDeath)
            throws StartException {
        Daemon daemon = new Daemon();
        try {
            daemon.startParts(config, onWorkerDeath);
            return daemon;
        } catch (StartException e) {
            daemon.close();
            throw e;
        } catch (RuntimeException e) {
            daemon.close();
            throw new StartException(Main.EXIT_START_FAILED, e.toString());
        }
    }

    private void startParts(TrackerConfig config, Thread.UncaughtExceptionHandler onWorkerDeath)
            throws StartException {
        try {
            accessList = AccessList.open(config.accessList().mode(), config.accessList().path(), metrics.bank());
        } catch (AccessListException e) {
            throw new StartException(Main.EXIT_CONFIG, "access_list.path: " + e.getMessage());
        }
        if (config.accessList().mode() != AccessMode.OFF) {
            closeInReverse.add(new AccessListWatcher(accessList, ACCESS_LIST_POLL_MILLIS,
                new WorkerThreadFactory("access-list-watcher", onWorkerDeath)));
        }
        if (!config.http().tls().listen().isEmpty() || !config.ws().tlsListen().isEmpty()) {
            TrackerConfig.Tls tlsConfig = config.http().tls();
            try {
                tls = ReloadableSslContext.open(tlsConfig.certPath(), tlsConfig.keyPath(), tlsConfig.provider(),
                    metrics.bank());
            } catch (TlsStartException e) {
                throw new StartException(Main.EXIT_CONFIG, e.key() + ": " + e.getMessage());
            }
            // a renewal rewrites both files: one watcher, so it reloads once the pair has settled
            ReloadableSslContext reloadable = tls;
            closeInReverse.add(new FileChangeWatcher(List.of(tlsConfig.certPath(), tlsConfig.keyPath()),
                reloadable::reload, TLS_POLL_MILLIS, new WorkerThreadFactory("tls-watcher", onWorkerDeath)));
        }
        if (config.metrics().enabled()) {
            InetSocketAddress address = config.metrics().listen();
            try {
                metricsServer = new MetricsServer(metrics, address, new WorkerThreadFactory("metrics-http", onWorkerDeath));
            } catch (IOException e) {
                throw new StartException(Main.EXIT_START_FAILED,
                    "cannot listen on metrics " + SocketAddresses.format(address) + ": " + e.getMessage());
            }
            closeInReverse.add(metricsServer);
            announce("metrics http://" + SocketAddresses.format(metricsServer.address()) + "/metrics");
        }

        int loops = config.workers().socketWorkerThreads();
        EventLoopGroup group = socketWorkers(loops, onWorkerDeath);
        socketWorkers = group;
        // closed after the engine: loops must still run to send the answers the engine drains
        closeInReverse.add(() -> group.shutdownGracefully(100, 3_000, TimeUnit.MILLISECONDS).syncUninterruptibly());
        LOG.info(MemoryBudget.ofThisJvm().describe(config.limits()));
        SwarmState[] state = {null};
        SwarmCore core;
        try {
            // the snapshot is loaded before the swarm workers start and before any socket opens
            core = new SwarmCore(config, group, loops, metrics.bank(), new WorkerThreadFactory("swarm", onWorkerDeath),
                (unstarted, engineClock) -> state[0] = loadState(config.state(), unstarted, engineClock, onWorkerDeath));
        } catch (UncheckedIOException e) {
            throw new StartException(Main.EXIT_CONFIG, "state.path: cannot use " + config.state().path() + ": "
                + e.getCause());
        }
        closeInReverse.add(core);
        if (state[0] != null) {
            state[0].start();
            // closed after the front ends stop reading and before the engine stops: the last snapshot
            closeInReverse.add(state[0]);
        }
        SwarmEngine engine = core.engine();
        TrackerClock clock = core.clock();
        GatewaySizing sizing = core.sizing();
        loopContexts = core.contexts();
        if (metricsServer != null) {
            TrackerStats stats = new TrackerStats(metrics.registry(), engine, Main.version(),
                () -> ManagementFactory.getRuntimeMXBean().getUptime() / 1000, new WorkerThreadFactory("stats", onWorkerDeath))
                .start();
            closeInReverse.add(stats);
            metricsServer.serve(stats);
            announce("stats http://" + SocketAddresses.format(metricsServer.address()) + "/stats");
        }
        ClusterNode cluster = null;
        if (config.cluster().enabled()) {
            // closed before the engine: the publisher stops before the shards it asks for changes
            // the snapshot of this node's own peers in Redis is refreshed at the state file's interval
            cluster = ClusterNode.start(config.cluster(), engine, clock, metrics.bank(),
                new WorkerThreadFactory("cluster-publisher", onWorkerDeath), config.state().saveIntervalSeconds());
            closeInReverse.add(cluster);
            LOG.info("cluster: node {}, Redis {}", cluster.nodeId(), config.cluster().redisCluster()
                ? "Cluster (" + config.cluster().redis().size() + " seeds)" : "pub/sub");
        }
        if (config.accessList().mode() != AccessMode.OFF) {
            // torrents a reloaded list forbids leave the swarms in the next cleaning pass
            InfoHashFilter forbidden = (h0, h1, h2) -> !accessList.permits(h0, h1, h2);
            accessList.onReloaded(() -> engine.executeOnAll(shard -> shard.purge(forbidden)));
        }
        LOG.info("{} socket workers, {} swarm {}; {} requests in flight per socket worker ({} KiB each)",
            loops, engine.inline() ? "inline" : config.workers().swarmWorkers(),
            engine.inline() ? "engine" : "workers", sizing.requests(), sizing.loopBytes() / 1024);

        if (config.udp().enabled()) {
            try {
                udp = UdpFrontEnd.start(config, group, loopContexts, accessList, metrics.bank(),
                    connectionIdKey(config.state().path()));
            } catch (IOException e) {
                throw new StartException(Main.EXIT_START_FAILED, e.getMessage());
            }
            closeInReverse.add(udp::stopReading);
            for (InetSocketAddress address : udp.addresses()) {
                announce("udp " + SocketAddresses.format(address) + " (" + udp.sockets() / udp.addresses().size()
                    + " sockets)");
            }
        }
        if (config.ws().enabled()) {
            // also the HTTP front end's door for Upgrade: websocket requests (ws::open)
            ReloadableSslContext wss = tls;
            try {
                ws = WsFrontEnd.start(config, group, loopContexts, accessList, metrics.bank(), engine,
                    wss == null ? null : wss::current);
            } catch (IOException e) {
                throw new StartException(Main.EXIT_START_FAILED, e.getMessage());
            }
            closeInReverse.add(ws);
            if (cluster != null) { // offers and answers for browsers on other nodes cross Redis (issue 14)
                ws.relayAcrossNodes(cluster.crossNodeRelays());
                cluster.serveWebTorrent(ws.relayDoor());
            }
            for (InetSocketAddress address : ws.addresses()) announce("ws " + SocketAddresses.format(address));
            for (InetSocketAddress address : ws.tlsAddresses()) announce("wss " + SocketAddresses.format(address));
        }
        if (config.http().enabled()) {
            try {
                // each new HTTPS connection takes the context in force (a reload does not touch open ones);
                // Upgrade: websocket requests on the HTTP addresses go to the WebTorrent front end
                ReloadableSslContext reloadable = tls;
                WsFrontEnd webSockets = ws;
                http = HttpFrontEnd.start(config, group, loopContexts, accessList, metrics.bank(), engine, clock,
                    reloadable == null ? null : reloadable::current, webSockets == null ? null : webSockets::open,
                    onWorkerDeath);
            } catch (IOException e) {
                throw new StartException(Main.EXIT_START_FAILED, e.getMessage());
            }
            // first to close: stop accepting and reading; requests already read are answered while the engine drains
            closeInReverse.add(http);
            for (InetSocketAddress address : http.addresses()) {
                announce("http " + SocketAddresses.format(address));
            }
            for (InetSocketAddress address : http.tlsAddresses()) {
                announce("https " + SocketAddresses.format(address));
            }
            warnIfOverOpenFilesLimit(config.http().maxConnections());
        }
    }

    /**
     * Connections past the open-files limit fail in accept() (EMFILE), where Netty logs each
     * failure, instead of being refused cleanly and counted: say so once at start.
     */
    private static void warnIfOverOpenFilesLimit(int maxConnections) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean os) {
            long limit = os.getMaxFileDescriptorCount();
            if (maxConnections > limit - 1_000) {
                LOG.warn("http.max_connections = {} but the process may open only {} files (ulimit -n, systemd "
                    + "LimitNOFILE): lower http.max_connections below it, or raise the limit", maxConnections, limit);
            }
        }
    }

    /** The state directory's snapshot loaded into the unstarted engine; null when state.path is empty. */
    private SwarmState loadState(TrackerConfig.State config, SwarmEngine engine, TrackerClock clock,
                                 Thread.UncaughtExceptionHandler onWorkerDeath) {
        if (config.path() == null) return null;
        try {
            SwarmState state = new SwarmState(config.path(), config.saveIntervalSeconds(), engine, clock,
                metrics.registry(), new WorkerThreadFactory("state-saver", onWorkerDeath));
            state.load(); // a bad file is moved aside and the swarms start empty
            return state;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The UDP connection-id key: kept in the state directory (mode 0600) when there is one, so
     * that ids issued just before a restart stay valid; else new for this process.
     */
    private static long[] connectionIdKey(Path stateDir) throws StartException {
        if (stateDir == null) return ConnectionIds.newKey();
        Path file = stateDir.resolve(CONNECTION_ID_KEY_FILE);
        try {
            return SecretFile.longs(SecretFile.loadOrCreate(file, 16));
        } catch (IOException e) {
            throw new StartException(Main.EXIT_CONFIG, "state.path: cannot keep the UDP connection-id key in " + file
                + ": " + e);
        }
    }

    /**
     * Netty event loops shared by every front end: native epoll on Linux, NIO elsewhere or when
     * the native library cannot load (then the log says why, once).
     */
    private EventLoopGroup socketWorkers(int threads, Thread.UncaughtExceptionHandler onWorkerDeath) {
        WorkerThreadFactory factory = new WorkerThreadFactory("socket", onWorkerDeath);
        boolean epoll = Epoll.isAvailable();
        if (!epoll) NativeTransport.logFallback(LOG, Epoll.unavailabilityCause());
        EventLoopGroup group = epoll
            ? new EpollEventLoopGroup(threads, factory) : new NioEventLoopGroup(threads, factory);
        for (EventExecutor loop : group) {
            // Netty logs and ends a loop on an unexpected Error instead of letting it reach the
            // thread's handler: treat any end of a loop we did not ask for as a worker death
            loop.terminationFuture().addListener(f -> {
                if (!closing) {
                    onWorkerDeath.uncaughtException(Thread.currentThread(),
                        new IllegalStateException("socket worker event loop ended unexpectedly", f.cause()));
                }
            });
        }
        return group;
    }

    /** The socket workers' event loops. */
    EventLoopGroup socketWorkers() {
        return socketWorkers;
    }

    /** The bound ws:// and wss:// addresses (ports resolved), empty when WebTorrent is off. */
    public List<InetSocketAddress> wsAddresses() {
        return ws == null ? List.of() : ws.addresses();
    }

    public List<InetSocketAddress> wssAddresses() {
        return ws == null ? List.of() : ws.tlsAddresses();
    }

    /** The bound UDP addresses (ports resolved), empty when UDP is off. */
    public List<InetSocketAddress> udpAddresses() {
        return udp == null ? List.of() : udp.addresses();
    }

    /** The bound plain HTTP addresses (ports resolved), empty when HTTP is off. */
    public List<InetSocketAddress> httpAddresses() {
        return http == null ? List.of() : http.addresses();
    }

    private void announce(String listener) {
        listening.add(listener);
        LOG.info("listening {}", listener);
    }

    /** What the daemon listens on, e.g. {@code "udp 0.0.0.0:6969"}, in start order. */
    public List<String> listening() {
        return List.copyOf(listening);
    }

    public TrackerMetrics metrics() {
        return metrics;
    }

    /**
     * Re-reads what can change without a restart (the access list, the TLS certificate and key),
     * logging what it does. {@code trigger} names the cause for the log, e.g. {@code "SIGHUP"}.
     * Any thread; each reload is serialized by its own object.
     */
    public void reload(String trigger) {
        if (accessList.mode() == AccessMode.OFF && tls == null) {
            LOG.info("{}: reload requested; access list is off and no TLS, nothing to reload", trigger);
        }
        if (accessList.mode() != AccessMode.OFF) {
            LOG.info("{}: reloading the access list from {}", trigger, accessList.path());
            accessList.reload();
        }
        if (tls != null) {
            LOG.info("{}: reloading the TLS certificate from {} and {}", trigger, tls.certPath(), tls.keyPath());
            tls.reload();
        }
    }

    /** The HTTPS/WSS context for the listeners on http.tls.listen; null when that list is empty. */
    public ReloadableSslContext tls() {
        return tls;
    }

    public AccessList accessList() {
        return accessList;
    }

    @Override
    public void close() {
        closing = true;
        for (int i = closeInReverse.size() - 1; i >= 0; i--) {
            try {
                closeInReverse.get(i).close();
            } catch (Exception e) {
                LOG.warn("while stopping: {}", e.toString());
            }
        }
        closeInReverse.clear();
    }

    /** Start failed; the message is one line for the operator. */
    public static final class StartException extends Exception {
        private final int exitCode;

        public StartException(int exitCode, String message) {
            super(message);
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }
}
