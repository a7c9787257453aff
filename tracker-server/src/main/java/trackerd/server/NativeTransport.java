package trackerd.server;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.slf4j.Logger;

/**
 * Says why Netty's native epoll transport is not in use. Netty unpacks its native library into
 * {@code io.netty.native.workdir} (default: the temp directory) and loads it from there; with
 * {@code /tmp} mounted {@code noexec} the load fails and Netty falls back to NIO without a word.
 * The reason sits deep in the cause chain (often in a suppressed exception: "failed to map
 * segment from shared object"), so every message of the chain goes into the one log line.
 */
final class NativeTransport {
    /** Enough for Netty's chain (load error, per-name attempts, the dlopen message). */
    private static final int MAX_CAUSES = 8;

    private NativeTransport() {}

    /** Logs the fallback once, at start: a warning on Linux, where epoll was expected. */
    static void logFallback(Logger log, Throwable cause) {
        boolean linux = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("linux");
        if (!linux) {
            log.info("transport: NIO (native epoll is Linux-only)");
            return;
        }
        log.warn("transport: native epoll unavailable, falling back to NIO (slower; one UDP socket per address "
            + "instead of one per socket worker). If /tmp is mounted noexec, set -Dio.netty.native.workdir to a "
            + "directory that allows exec. Cause: {}", describe(cause));
    }

    /** The messages of the cause, its causes and suppressed exceptions, each once, joined by " <- ". */
    static String describe(Throwable cause) {
        if (cause == null) return "unknown";
        List<String> messages = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        collect(cause, seen, messages);
        return String.join(" <- ", messages);
    }

    private static void collect(Throwable t, Set<Throwable> seen, List<String> messages) {
        if (t == null || messages.size() >= MAX_CAUSES || !seen.add(t)) return;
        String text = t.toString().replace('\n', ' ');
        if (!messages.contains(text)) messages.add(text);
        for (Throwable suppressed : t.getSuppressed()) collect(suppressed, seen, messages);
        collect(t.getCause(), seen, messages);
    }
}
