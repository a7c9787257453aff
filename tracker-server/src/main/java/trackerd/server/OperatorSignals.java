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
 * <li>{@code SIGUSR2}, {@code SIGALRM}: nobody should send these to a tracker, and their
 *     default is to end it; it still stops, but says which signal did it and exits 128+n, as
 *     the default action would, so a service manager sees a failure.</li>
 * </ul>
 * Not catchable, so not here: {@code SIGQUIT} (the JVM owns it: it prints a thread dump to
 * stdout and the tracker goes on), {@code SIGKILL}, and the fault signals the JVM uses itself
 * ({@code SIGSEGV}, {@code SIGFPE}, {@code SIGILL}, {@code SIGBUS}).
 *
 * <p>Threading: the JVM runs each handler on a short-lived thread of its own, never on a socket
 * or swarm worker; a reload therefore never stalls traffic.
 */
final class OperatorSignals {
    private static final Logger LOG = LoggerFactory.getLogger(OperatorSignals.class);
    static final List<String> RELOAD = List.of("HUP", "USR1");
    static final List<String> STOP_CLEAN = List.of("TERM", "INT");
    static final List<String> STOP_FAILED = List.of("USR2", "ALRM");

    private OperatorSignals() {}

    /**
     * Installs the handlers. {@code reload} gets the signal's name ({@code "SIGHUP"}) for its log
     * line; {@code stop} is asked for the exit code.
     */
    static void install(Consumer<String> reload, StopSignal stop) {
        for (String name : RELOAD) {
            Signal.handle(new Signal(name), signal -> reload.accept("SIG" + signal.getName()));
        }
        for (String name : STOP_CLEAN) {
            Signal.handle(new Signal(name), signal -> {
                LOG.info("SIG{} received: stopping", signal.getName());
                stop.request(Main.EXIT_OK);
            });
        }
        for (String name : STOP_FAILED) {
            Signal.handle(new Signal(name), signal -> {
                int code = 128 + signal.getNumber();
                LOG.warn("SIG{} received: it has no meaning to trackerd; stopping with exit {} as its default "
                    + "action would (reload is SIGHUP or SIGUSR1, a clean stop SIGTERM)", signal.getName(), code);
                stop.request(code);
            });
        }
    }
}
