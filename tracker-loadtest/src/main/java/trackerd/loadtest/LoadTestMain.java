package trackerd.loadtest;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SelectStrategy;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.HdrHistogram.Histogram;
import trackerd.config.ConfigException;
import trackerd.net.SocketAddresses;
import trackerd.runtime.NettyDefaults;

/** {@code tracker-loadtest.jar}: drives a tracker and reports what it saw. */
public final class LoadTestMain {
    static final String USAGE = """
        Usage: loadtest udp|http|ws [--config FILE] [--set KEY=VALUE]... [--target HOST:PORT|URL]
                            [--duration SECONDS] [--workers N] [--connections N] [--rate N] [--json FILE]
               loadtest --print-config            the full default config, a comment on every key
               loadtest --print-info-hashes       the workload's info hashes, hex, one a line
                                                  (for an access list or opentracker's whitelist)
               loadtest udp-responder --listen IP:PORT [--duration SECONDS]
                                                  a trivial BEP 15 responder, to measure this tool's ceiling
               loadtest ws-echo --listen IP:PORT [--duration SECONDS]
                                                  a WebSocket server that answers each announce and does
                                                  nothing else: the floor under any WebTorrent tracker
               loadtest http-echo --listen IP:PORT [--duration SECONDS]
                                                  an HTTP server that answers each keep-alive request with
                                                  a fixed reply: the floor under any Netty HTTP tracker

        Sends load only to the target: run.warmup_seconds (default 5, not counted), then --duration
        seconds (default 30), then waits at most run.drain_seconds for replies in flight and prints
        the report. --connections is the number of UDP sockets, HTTP connections or WebSocket
        clients in all (spread over the workers); --rate 0 (default) is saturation.
        --target takes a URL: udp://IP:PORT/announce, http(s)://IP:PORT/announce, ws(s)://IP:PORT.
        Progress goes to stderr once a second; the report to stdout (and --json FILE).
        Exit codes: 0 the run completed, 1 it could not run, 2 bad arguments or config.
        """;

    private LoadTestMain() {}

    public static void main(String[] args) {
        NettyDefaults.apply(); // as the daemon: no leak-detector stack traces in the measuring tool
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
            out.print(USAGE);
            return args.length == 0 ? 2 : 0;
        }
        String mode = args[0];
        List<String> sets = new ArrayList<>();
        Path config = null;
        String listen = null;
        try {
            for (int i = 1; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : null;
                switch (args[i]) {
                    case "--config" -> config = Path.of(need(value, args[i]));
                    case "--set" -> sets.add(need(value, args[i]));
                    case "--target" -> sets.add("target.address=\"" + need(value, args[i]) + "\"");
                    case "--duration" -> sets.add("run.duration_seconds=" + need(value, args[i]));
                    case "--workers" -> sets.add("run.workers=" + need(value, args[i]));
                    case "--rate" -> sets.add("run.rate=" + need(value, args[i]));
                    case "--json" -> sets.add("run.json=\"" + need(value, args[i]) + "\"");
                    case "--connections" -> sets.add("connections=" + need(value, args[i]));
                    case "--listen" -> listen = need(value, args[i]);
                    default -> throw new IllegalArgumentException("unknown argument \"" + args[i] + "\"");
                }
                i++;
            }
        } catch (IllegalArgumentException e) {
            err.println("loadtest: " + e.getMessage() + " (see --help)");
            return 2;
        }
        try {
            switch (mode) {
                case "--print-config" -> {
                    out.print(LoadTestSchema.SCHEMA.defaultToml());
                    return 0;
                }
                case "--print-info-hashes" -> {
                    LoadTestConfig c = load(null, config, sets);
                    Workload workload = new Workload(c.workload());
                    for (int t = 0; t < c.workload().torrents(); t++) out.println(Workload.hex(workload.infoHashId(t)));
                    return 0;
                }
                case "udp", "http", "ws" -> {
                    return run(mode, load(mode, config, sets), out, err);
                }
                case "udp-responder" -> {
                    if (listen == null) throw new IllegalArgumentException("udp-responder needs --listen IP:PORT");
                    LoadTestConfig c = load("udp", config, sets);
                    return UdpResponder.serve(SocketAddresses.parse(listen), c.durationSeconds(), err);
                }
                case "ws-echo" -> {
                    if (listen == null) throw new IllegalArgumentException("ws-echo needs --listen IP:PORT");
                    LoadTestConfig c = load(null, config, sets);
                    return WsEchoServer.serve(SocketAddresses.parse(listen), c.durationSeconds(), err);
                }
                case "http-echo" -> {
                    if (listen == null) throw new IllegalArgumentException("http-echo needs --listen IP:PORT");
                    LoadTestConfig c = load(null, config, sets);
                    return HttpEchoServer.serve(SocketAddresses.parse(listen), c.durationSeconds(), err);
                }
                default -> throw new IllegalArgumentException("unknown mode \"" + mode + "\"");
            }
        } catch (ConfigException e) {
            err.println("loadtest: config error: " + e.getMessage());
            return 2;
        } catch (IllegalArgumentException e) {
            err.println("loadtest: " + e.getMessage() + " (see --help)");
            return 2;
        } catch (UnreachableTargetException e) {
            err.println("loadtest: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            err.println("loadtest: " + e);
            return 1;
        }
    }

    private static String firstConnectFailure(List<LoadWorker> workers) {
        for (LoadWorker worker : workers) {
            String why = worker.stats.firstConnectFailure;
            if (why != null) return why;
        }
        return null;
    }

    /** The connect phase did not finish: nothing answered at the target. One line, for the operator. */
    static final class UnreachableTargetException extends Exception {
        UnreachableTargetException(String mode, String address, String why, int seconds) {
            super("cannot reach a " + mode + " tracker at " + address + ": "
                + (why != null ? why + " (retried for " + seconds + " s)"
                    : "udp".equals(mode)
                        ? "no reply to BEP 15 connect requests within " + seconds + " s"
                        : "connections not ready within " + seconds + " s")
                + "; is the tracker running there, and is the address right?");
        }
    }

    private static String need(String value, String option) {
        if (value == null) throw new IllegalArgumentException(option + " needs a value");
        return value;
    }

    /**
     * --connections N is sockets or connections in all: turned into the mode's per-worker key once
     * workers are known.
     */
    private static LoadTestConfig load(String mode, Path file, List<String> sets) throws ConfigException {
        List<String> plain = new ArrayList<>();
        String connections = null;
        for (String set : sets) {
            if (set.startsWith("connections=")) connections = set.substring(12);
            else plain.add(set);
        }
        LoadTestConfig config = LoadTestConfig.load(file, plain);
        if (connections != null) {
            int total;
            try {
                total = Integer.parseInt(connections);
            } catch (NumberFormatException e) {
                throw new ConfigException("--connections", "expected a whole number, got \"" + connections + "\"");
            }
            int perWorker = Math.max(1, (total + config.workers() - 1) / config.workers());
            String key = "http".equals(mode) ? "http.connections_per_worker"
                : "ws".equals(mode) ? "ws.connections_per_worker" : "udp.sockets_per_worker";
            plain.add(key + "=" + perWorker);
            config = LoadTestConfig.load(file, plain);
        }
        if (mode == null) return config; // no load: the target is not used
        config.target().check(mode);
        if (!mode.equals("udp") && config.workload().connectWeight() > 0) {
            throw new ConfigException("workload.connect_weight", "only the udp mode sends connects");
        }
        return config;
    }

    static int run(String mode, LoadTestConfig config, PrintStream out, PrintStream err) throws Exception {
        Workload workload = new Workload(config.workload());
        SslContext tls = null;
        if (config.target().tls()) {
            SslContextBuilder builder = SslContextBuilder.forClient();
            if (!config.target().tlsVerify()) builder.trustManager(InsecureTrustManagerFactory.INSTANCE);
            tls = builder.build();
        }
        DefaultThreadFactory threads = new DefaultThreadFactory("load-" + mode, true);
        // Busy-poll: the load tester owns its cores, and a thread that never sleeps needs no wake-up.
        // On loopback the sender pays for waking the receiver, so a sleeping load tester would
        // bill the tracker for an IPI per reply batch, a cost remote clients never put on it.
        EventLoopGroup group = Epoll.isAvailable()
            ? new EpollEventLoopGroup(config.workers(), threads, () -> (supplier, hasTasks) -> SelectStrategy.BUSY_WAIT)
            : new NioEventLoopGroup(config.workers(), threads);
        try {
            List<LoadWorker> workers = new ArrayList<>();
            int index = 0;
            for (var executor : group) {
                LoadWorker worker = new LoadWorker(index++, (EventLoop) executor, config, timeoutMillis(mode, config));
                switch (mode) {
                    case "http" -> HttpSession.open(worker, workload, tls);
                    case "ws" -> WsSession.open(worker, workload, tls);
                    default -> UdpSession.open(worker, workload);
                }
                workers.add(worker);
            }
            System.gc(); // the pool and sockets are built: keep their first copy out of the measurement
            Report report = drive(mode, config, workers, err);
            out.print(report.text());
            if (config.json() != null) report.writeJson(config.json());
            return 0;
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }

    private static int timeoutMillis(String mode, LoadTestConfig config) {
        return switch (mode) {
            case "http" -> config.http().timeoutMillis();
            case "ws" -> config.ws().timeoutMillis();
            default -> config.udp().timeoutMillis();
        };
    }

    private static Report drive(String mode, LoadTestConfig config, List<LoadWorker> workers, PrintStream err)
            throws Exception {
        List<CompletableFuture<Void>> connects = new ArrayList<>();
        for (LoadWorker worker : workers) connects.add(worker.connect());
        try {
            CompletableFuture.allOf(connects.toArray(new CompletableFuture[0])).get(config.connectSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new UnreachableTargetException(mode, SocketAddresses.format(config.target().address()),
                firstConnectFailure(workers), config.connectSeconds());
        }
        long start = System.nanoTime();
        long measure = start + TimeUnit.SECONDS.toNanos(config.warmupSeconds());
        long end = measure + TimeUnit.SECONDS.toNanos(config.durationSeconds());
        long drain = TimeUnit.SECONDS.toNanos(config.drainSeconds());
        List<CompletableFuture<Void>> done = new ArrayList<>();
        List<WorkerStats> stats = new ArrayList<>();
        for (LoadWorker worker : workers) {
            done.add(worker.run(start, measure, end, drain));
            stats.add(worker.stats);
        }
        CompletableFuture<Void> all = CompletableFuture.allOf(done.toArray(new CompletableFuture[0]));
        Histogram total = new Histogram(60_000_000_000L, 3);
        Histogram interval = new Histogram(60_000_000_000L, 3);
        Histogram[] recycled = new Histogram[stats.size()];
        long[] last = new long[2];
        long hardStop = end + drain + TimeUnit.SECONDS.toNanos(5);
        int second = -config.warmupSeconds();
        ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(
            new DefaultThreadFactory("load-clock", true));
        // the tracker's CPU time read exactly at the window's edges: answers count from measure to end
        long pid = config.trackerPid();
        Future<Double> cpuAtMeasure = clock.schedule(() -> pid > 0 ? ProcessCpu.seconds(pid) : -1.0,
            measure - System.nanoTime(), TimeUnit.NANOSECONDS);
        Future<Double> cpuAtEnd = clock.schedule(() -> pid > 0 ? ProcessCpu.seconds(pid) : -1.0,
            end - System.nanoTime(), TimeUnit.NANOSECONDS);
        while (!all.isDone()) {
            try {
                all.get(1, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                // a second went by
            }
            second++;
            // Reading the histograms takes this process's core for a scheduler tick (4 ms), which
            // showed in the p99 it measures: only for progress lines, else once at the end.
            if (config.progress() && second > 0) {
                interval.reset();
                drainLatencies(stats, recycled, interval);
                total.add(interval);
                progress(err, second, stats, last, interval);
            }
            if (System.nanoTime() > hardStop) {
                err.println("loadtest: workers did not finish in time; reporting what was seen");
                break;
            }
        }
        drainLatencies(stats, recycled, total);
        double trackerCpu = 0;
        if (cpuAtEnd.isDone()) {
            double first = cpuAtMeasure.get();
            double atEnd = cpuAtEnd.get();
            trackerCpu = first >= 0 && atEnd >= 0 ? atEnd - first : 0;
        }
        clock.shutdownNow();
        return Report.of(mode, SocketAddresses.format(config.target().address()), config.durationSeconds(), workers.size(),
            config.rate(), stats, total, trackerCpu);
    }

    /** Adds what each worker recorded since the last call to {@code into}, reusing the interval histograms. */
    private static void drainLatencies(List<WorkerStats> stats, Histogram[] recycled, Histogram into) {
        for (int i = 0; i < recycled.length; i++) {
            recycled[i] = stats.get(i).latency.getIntervalHistogram(recycled[i]);
            into.add(recycled[i]);
        }
    }

    private static void progress(PrintStream err, int second, List<WorkerStats> stats, long[] last, Histogram interval) {
        long sent = 0;
        long answered = 0;
        long problems = 0;
        for (WorkerStats s : stats) {
            for (int t = 0; t < 3; t++) {
                sent += s.get(WorkerStats.SENT + t);
                answered += s.get(WorkerStats.ANSWERED + t);
            }
            problems += s.get(WorkerStats.ERROR_REPLIES) + s.get(WorkerStats.INVALID_REPLIES);
        }
        long timeouts = 0;
        for (WorkerStats s : stats) timeouts += s.get(WorkerStats.TIMEOUTS);
        err.printf(Locale.ROOT, "[%3ds] sent %,10d/s  answered %,10d/s  errors %d  timeouts %d  p99 %.3f ms%n",
            second, sent - last[0], answered - last[1], problems, timeouts,
            interval.getTotalCount() == 0 ? 0.0 : interval.getValueAtPercentile(99) / 1e6);
        last[0] = sent;
        last[1] = answered;
    }
}
