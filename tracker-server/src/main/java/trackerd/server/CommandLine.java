package trackerd.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The daemon's arguments. Parsing never exits; {@link Main} decides what to do. */
record CommandLine(Action action, Path configFile, List<String> sets) {

    enum Action { RUN, HELP, VERSION, PRINT_CONFIG, CHECK_CONFIG }

    static final String USAGE = """
        Usage: tracker [--config FILE] [--set KEY=VALUE]...
               tracker --print-config | --check-config FILE | --version | --help

        Runs the trackerd BitTorrent tracker (UDP, HTTP, WebTorrent) until SIGTERM or SIGINT.

          --config FILE        TOML config file (default: $TRACKER_CONFIG, else built-in defaults)
          --set KEY=VALUE      override one key; KEY is a dotted path, VALUE a TOML value, e.g.
                               --set 'udp.listen=["127.0.0.1:7000"]' --set log.level='"debug"'
                               (repeatable; wins over the file; validated like the file)
          --print-config       print the full default config, a comment on every key, and exit
          --check-config FILE  validate FILE (and any --set) and exit 0 if good, 2 if not
          --version            print the version and exit
          --help               print this help and exit

        Signals: SIGTERM/SIGINT stop gracefully (exit 0, saving the swarms when state.path is set);
        SIGUSR1 and SIGHUP reload the access list and the TLS certificate.
        Exit codes: 0 stopped cleanly, 1 could not start (e.g. address in use), 2 bad config or
        arguments, 70 a worker thread died.
        """;

    static CommandLine parse(String[] args, String configFromEnv) throws UsageException {
        Action action = Action.RUN;
        Path config = null;
        List<String> sets = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--help", "-h" -> action = Action.HELP;
                case "--version" -> action = Action.VERSION;
                case "--print-config" -> action = Action.PRINT_CONFIG;
                case "--config" -> config = Path.of(value(args, ++i, arg));
                case "--check-config" -> {
                    action = Action.CHECK_CONFIG;
                    config = Path.of(value(args, ++i, arg));
                }
                case "--set" -> sets.add(value(args, ++i, arg));
                default -> {
                    if (arg.startsWith("--config=")) config = Path.of(arg.substring(9));
                    else if (arg.startsWith("--set=")) sets.add(arg.substring(6));
                    else throw new UsageException("unknown argument \"" + arg + "\"");
                }
            }
        }
        if (config == null && configFromEnv != null && !configFromEnv.isBlank()) {
            config = Path.of(configFromEnv);
        }
        return new CommandLine(action, config, List.copyOf(sets));
    }

    private static String value(String[] args, int i, String option) throws UsageException {
        if (i >= args.length) throw new UsageException(option + " needs a value");
        return args[i];
    }

    static final class UsageException extends Exception {
        UsageException(String message) {
            super(message);
        }
    }
}
