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
 *
 * <p>A change is loaded only once two polls in a row see the same stamp. A write in place
 * (truncate, then write) can span a poll: loading at once read half a file, so one bad edit was
 * reported twice (the half, then the whole), and a truncated allow list briefly served nothing.
 * The cost is one period more before an edit takes effect. A deleted file is a change too: the
 * reload fails, which logs it once and keeps the old list, until the file is back.
 *
 * <p>Threading: {@link #check} runs on the watcher's one thread.
 */
public final class AccessListWatcher implements AutoCloseable {
    private final AccessList list;
    private final ScheduledExecutorService executor;
    /** Stamp of the file last loaded (or tried); null when it was missing. */
    private Object lastSeen;
    /** A new stamp seen by the last poll, loaded if the next poll sees it again. */
    private Object pending;
    private boolean changing;

    public AccessListWatcher(AccessList list, long periodMillis, WorkerThreadFactory threads) {
        this.list = list;
        this.lastSeen = stamp(list.path());
        this.executor = Executors.newSingleThreadScheduledExecutor(threads);
        executor.scheduleWithFixedDelay(this::check, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** One poll; package-private so that tests can step it. */
    void check() {
        Object now = stamp(list.path());
        if (Objects.equals(now, lastSeen)) {
            changing = false;
        } else if (changing && Objects.equals(now, pending)) {
            changing = false;
            lastSeen = now;
            list.reload();
        } else {
            changing = true;
            pending = now;
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
