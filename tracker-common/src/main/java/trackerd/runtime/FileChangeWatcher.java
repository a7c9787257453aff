package trackerd.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Runs an action when any of a few files changes (the access list; the TLS certificate and key).
 * It polls each file's modification time, size and inode once a period rather than using inotify:
 * editors, deploy tools and ACME clients often replace a file by rename (certbot swaps a symlink),
 * which a poll of the path sees the same way as an edit in place.
 *
 * <p>A change is acted on only once two polls in a row see the same stamps. A write in place
 * (truncate, then write) can span a poll: acting at once read half a file, so one bad edit was
 * reported twice (the half, then the whole). The same holds across files: a certificate renewal
 * writes the chain and the key one after the other, and a poll between the two would pair the
 * new chain with the old key. The cost is one period more before an edit takes effect. A deleted
 * file is a change too: the action runs (and its reload fails and says so) once, until the file
 * is back.
 *
 * <p>Threading: the action and {@link #check} run on the watcher's one thread.
 */
public final class FileChangeWatcher implements AutoCloseable {
    private final List<Path> paths;
    private final Runnable onChange;
    private final ScheduledExecutorService executor;
    /** Stamps of the files last acted on (or at start); an element is null for a missing file. */
    private List<String> lastSeen;
    /** New stamps seen by the last poll, acted on if the next poll sees them again. */
    private List<String> pending;
    private boolean changing;

    /**
     * Starts polling every {@code periodMillis} on a thread from {@code threads}.
     *
     * @param onChange runs on the watcher thread after a change has settled; it should not throw
     */
    public FileChangeWatcher(List<Path> paths, Runnable onChange, long periodMillis, WorkerThreadFactory threads) {
        this.paths = List.copyOf(paths);
        this.onChange = onChange;
        this.lastSeen = stamps();
        this.executor = Executors.newSingleThreadScheduledExecutor(threads);
        executor.scheduleWithFixedDelay(this::check, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /**
     * One poll. The timer calls it; public so that tests elsewhere can step a watcher whose period
     * never elapses. Not for concurrent use.
     */
    public void check() {
        List<String> now = stamps();
        if (Objects.equals(now, lastSeen)) {
            changing = false;
        } else if (changing && Objects.equals(now, pending)) {
            changing = false;
            lastSeen = now;
            onChange.run();
        } else {
            changing = true;
            pending = now;
        }
    }

    private List<String> stamps() {
        List<String> stamps = new ArrayList<>(paths.size());
        for (Path path : paths) stamps.add(stamp(path));
        return stamps;
    }

    private static String stamp(Path path) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(path, BasicFileAttributes.class);
            return attributes.lastModifiedTime().toMillis() + "/" + attributes.size() + "/" + attributes.fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    public List<Path> paths() {
        return paths;
    }

    @Override
    public void close() {
        executor.shutdownNow();
    }
}
