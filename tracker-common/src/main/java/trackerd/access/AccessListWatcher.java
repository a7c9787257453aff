package trackerd.access;

import java.util.List;
import trackerd.runtime.FileChangeWatcher;
import trackerd.runtime.WorkerThreadFactory;

/**
 * Reloads the access list when its file changes, through a {@link FileChangeWatcher} (which
 * explains the polling and why a change must be seen by two polls before it is loaded).
 *
 * <p>Threading: {@link #check} and the reload run on the watcher's one thread.
 */
public final class AccessListWatcher implements AutoCloseable {
    private final FileChangeWatcher watcher;

    public AccessListWatcher(AccessList list, long periodMillis, WorkerThreadFactory threads) {
        this.watcher = new FileChangeWatcher(List.of(list.path()), list::reload, periodMillis, threads);
    }

    /** One poll; package-private so that tests can step it. */
    void check() {
        watcher.check();
    }

    @Override
    public void close() {
        watcher.close();
    }
}
