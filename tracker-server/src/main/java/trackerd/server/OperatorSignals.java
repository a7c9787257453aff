package trackerd.server;

import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The signals an operator, a shell or a service manager sends by habit, and what each does.
 * Without a handler the JVM ends the process on most of them with exit 128+n and no log line
 * (SIGHUP, opentracker's reload signal, did exactly that), so every signal whose default action
 * ends the process and that the JVM lets us catch gets one here and is named in the log:
 * <ul>
 * <li>{@code SIGHUP}, {@code SIGUSR1}: reload (access list now; TLS certificates hook in here);
 *     the process goes on.</li>
 * <li>{@code SIGTERM}, {@code SIGINT}: stop cleanly, exit 0.</li>
 * <li>{@code SIGALRM}: no meaning to a tracker, and its default is to end it; it still stops,
 *     but says which signal did it and exits 128+n (142), as the default action would, so a
 *     service manager sees a failure.</li>
 * </ul>
 * Left alone on purpose: {@code SIGQUIT} (the JVM refuses a handler: it prints a thread dump
 * to stdout and the tracker goes on); {@code SIGUSR2} (HotSpot's thread suspend/resume signal:
 * {@code sun.misc.Signal} accepts a handler, but it would silently replace the JVM's and break
 * JFR's sampler; a stray SIGUSR2 makes HotSpot 17 abort with an hs_err file, exit 134);
 * {@code SIGPROF} (profilers); {@code SIGKILL}; the fault signals the JVM uses itself
 * ({@code SIGSEGV}, {@code SIGFPE}, {@code SIGILL}, {@code SIGBUS}).
 *
 * <p>Threading: the JVM runs each handler on a short-lived thread of its own, never on a socket
 * or swarm worker; a reload therefore never stalls traffic.
 */
final class OperatorSignals {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorSignals.class);
    static final List<String> RELOAD = List.of("HUP", "USR1");
    static final List<String> STOP_CLEAN = List.of("TERM", "INT");
    static final List<String> STOP_FAILED = List.of("ALRM");

    private OperatorSignals() {}

    /**
     * Installs the handlers. {@code reload} gets the signal's name ({@code "SIGHUP"}) for its log
     * line; {@code stop} is asked for the exit code.
     */
    static void install(Consumer<String> reload, StopSignal stop) {
        for (String name : RELOAD) {
            handle(name, signal -> reload.accept("SIG" + signal.getName()));
        }
        for (String name : STOP_CLEAN) {
            handle(name, signal -> {
                LOG.info("SIG{} received: stopping", signal.getName());
                stop.request(Main.EXIT_OK);
            });
        }
        for (String name : STOP_FAILED) {
            handle(name, signal -> {
                int code = 128 + signal.getNumber();
                LOG.warn("SIG{} received: it has no meaning to trackerd; stopping with exit {} as its default "
                    + "action would (reload is SIGHUP or SIGUSR1, a clean stop SIGTERM)", signal.getName(), code);
                stop.request(code);
            });
        }
    }

    /** With {@code -Xrs} the JVM refuses HUP, INT and TERM: say so and start anyway. */
    private static void handle(String name, sun.misc.SignalHandler handler) {
        try {
            Signal.handle(new Signal(name), handler);
        } catch (IllegalArgumentException e) {
            LOG.warn("SIG{}: cannot handle it ({}); it keeps the JVM's default action", name, e.getMessage());
        }
    }
}
