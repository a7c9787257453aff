package trackerd.http.server;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Collects Netty's "LEAK:" reports (paranoid detection is on in every test JVM). A leak is only
 * reported when the leaked buffer has been garbage collected and another buffer is tracked, so
 * {@link #leaks} collects garbage and allocates a few buffers first.
 */
final class LeakWatch implements AutoCloseable {
    private final Logger logger = (Logger) LoggerFactory.getLogger(ResourceLeakDetector.class);
    private final ListAppender<ILoggingEvent> appender = new ListAppender<>();

    LeakWatch() {
        appender.start();
        logger.addAppender(appender);
    }

    List<String> leaks() {
        for (int round = 0; round < 5; round++) {
            System.gc();
            for (int i = 0; i < 100; i++) {
                ByteBuf buf = PooledByteBufAllocator.DEFAULT.buffer(16);
                buf.release();
            }
        }
        synchronized (appender) {
            return appender.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.contains("LEAK")).toList();
        }
    }

    @Override
    public void close() {
        logger.detachAppender(appender);
    }
}
