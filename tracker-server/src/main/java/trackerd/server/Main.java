package trackerd.server;

import ch.qos.logback.classic.Level;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.config.ConfigException;
import trackerd.config.ConfigLoader;
import trackerd.config.TrackerSchema;
import trackerd.config.TrackerConfig;
import trackerd.runtime.NettyDefaults;

/** Entry point of {@code tracker.jar}. */
public final class Main {
    static final int EXIT_OK = 0;
    static final int EXIT_START_FAILED = 1;
    static final int EXIT_CONFIG = 2;
    static final int EXIT_WORKER_DIED = 70;

    private Main() {}

    public static void main(String[] args) {
        NettyDefaults.apply();
        System.exit(run(args, System.out, System.err));
    }

    static int run(String[] args, PrintStream out, PrintStream err) {
        CommandLine line;
        try {
            line = CommandLine.parse(args, System.getenv("TRACKER_CONFIG"));
        } catch (CommandLine.UsageException e) {
            err.println("tracker: " + e.getMessage() + " (see --help)");
            return EXIT_CONFIG;
        }
        switch (line.action()) {
            case HELP -> {
                out.print(CommandLine.USAGE);
                return EXIT_OK;
            }
            case VERSION -> {
                out.println("trackerd " + version());
                return EXIT_OK;
            }
            case PRINT_CONFIG -> {
                out.print(TrackerSchema.SCHEMA.defaultToml());
                return EXIT_OK;
            }
            default -> { }
        }
        TrackerConfig config;
        try {
            config = ConfigLoader.load(line.configFile(), line.sets());
        } catch (ConfigException e) {
            err.println("tracker: config error: " + e.getMessage());
            return EXIT_CONFIG;
        }
        if (line.action() == CommandLine.Action.CHECK_CONFIG) {
            out.println("config OK: " + line.configFile());
            return EXIT_OK;
        }
        return serve(config, err);
    }

    private static int serve(TrackerConfig config, PrintStream err) {
        setLogLevel(config.log().level());
        Logger log = LoggerFactory.getLogger(Main.class);
        StopSignal stop = new StopSignal();
        // handlers go in before the start: a signal during start-up is logged, not fatal
        AtomicReference<Daemon> running = new AtomicReference<>();
        OperatorSignals.install(signal -> {
            Daemon started = running.get();
            if (started == null) {
                log.warn("{} during start-up: nothing to reload yet; the files are read as the tracker starts", signal);
            } else {
                started.reload(signal);
            }
        }, stop);
        Daemon daemon;
        try {
            daemon = Daemon.start(config, (thread, error) -> {
                log.error("worker thread {} died; stopping so that the service manager restarts the tracker",
                    thread.getName(), error);
                stop.request(EXIT_WORKER_DIED);
            });
        } catch (Daemon.StartException e) {
            log.error("cannot start: {}", e.getMessage());
            err.println("tracker: cannot start: " + e.getMessage());
            return e.exitCode();
        }
        // Start-up allocated everything long-lived (request slots, tables, registries). One full
        // collection now moves it to the old generation; otherwise the first young collection
        // under traffic copies it all, which measured as a 60-80 ms pause on one core.
        System.gc();
        running.set(daemon);
        log.info("trackerd {} started", version());
        int code = stop.await();
        log.info("stopping (exit {})", code);
        daemon.close();
        log.info("stopped");
        return code;
    }

    private static void setLogLevel(String level) {
        org.slf4j.Logger root = LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        if (root instanceof ch.qos.logback.classic.Logger logback) {
            logback.setLevel(Level.toLevel(level, Level.INFO));
        }
    }

    static String version() {
        try (InputStream in = Main.class.getResourceAsStream("/trackerd/version.properties")) {
            Properties properties = new Properties();
            if (in != null) properties.load(in);
            return properties.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
