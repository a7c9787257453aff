package trackerd.runtime;

import io.netty.channel.Channel;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * What a listening channel does when accept(2) fails (out of file descriptors, most likely: the
 * error repeats until one is freed): stop reading the socket for a second rather than spin on the
 * same error, with one log line, no stack trace. Netty's own {@code ServerBootstrap} acceptor
 * pauses too, but then passes the exception on to the pipeline's tail, which logs it with its
 * stack trace every second the descriptors stay exhausted.
 */
public final class AcceptBackoff {
    private AcceptBackoff() {}

    /**
     * Stops reading {@code server} for a second and logs why, unless it is already paused. On the
     * channel's event loop.
     *
     * @param what the server's name in the log line ("HTTP", "metrics")
     */
    public static void pause(Channel server, String what, Logger log, Throwable cause) {
        if (!server.config().isAutoRead()) return;
        // at most one line a second: the socket is not read again before then
        log.warn("{} accept on {} failed, accepting again in a second: {}", what, server.localAddress(), cause.toString());
        server.config().setAutoRead(false);
        server.eventLoop().schedule(() -> server.config().setAutoRead(true), 1, TimeUnit.SECONDS);
    }
}
