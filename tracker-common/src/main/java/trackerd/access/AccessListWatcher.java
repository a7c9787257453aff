package trackerd.access;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import trackerd.runtime.WorkerThreadFactory;

/**
 * Reloads the access list when its file changes. It polls the file's modification time, size
 * and inode once a period rather than using inotify: editors and deploy tools often replace the
 * file by rename, which a poll of the path sees the same way as an edit in place.
 */
public final class AccessListWatcher implements AutoCloseable {
    private final AccessList list;
    private final ScheduledExecutorService executor;
    private Object lastSeen;

    public AccessListWatcher(AccessList list, long periodMillis, WorkerThreadFactory threads) {
        this.list = list;
        this.lastSeen = stamp(list.path());
        this.executor = Executors.newSingleThreadScheduledExecutor(threads);
        executor.scheduleWithFixedDelay(this::check, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    private void check() {
        Object now = stamp(list.path());
        if (!Objects.equals(now, lastSeen)) {
            lastSeen = now;
            if (now != null) list.reload();
        }
    }

    private static Object stamp(Path path) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            return attributes.lastModifiedTime().toMillis() + "/" + attributes.size() + "/" + attributes.fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
