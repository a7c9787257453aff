package trackerd.access;

import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import trackerd.access.AccessListFile.AccessListException;
import trackerd.config.AccessMode;
import trackerd.metrics.MetricBank;
import trackerd.metrics.MetricWriter;

/**
 * The info hashes the tracker serves. Socket workers call {@link #permits} on every request: it
 * reads one volatile reference to an immutable set, no lock. {@link #reload} builds a new set off
 * the hot path and swaps it in; a bad file keeps the old set and says why in the log.
 */
public final class AccessList {
    private static final Logger LOG = LoggerFactory.getLogger(AccessList.class);
    private static final InfoHashSet EMPTY = InfoHashSet.of(new long[0][], 0);

    private final AccessMode mode;
    private final Path path;
    private volatile InfoHashSet hashes = EMPTY;
    private volatile Runnable onReloaded = () -> { };
    private final MetricWriter metrics;
    private final int sizeGauge;
    private final int reloadOkGauge;
    private final int reloadsCounter;
    private final int reloadFailuresCounter;

    private AccessList(AccessMode mode, Path path, MetricBank bank) {
        this.mode = mode;
        this.path = path;
        sizeGauge = bank.gauge("tracker_access_list_hashes", "Info hashes in the access list");
        reloadOkGauge = bank.gauge("tracker_access_list_last_reload_ok",
            "1 if the last load of the access list file succeeded (or the list is off), "
                + "0 if it failed and the old list was kept");
        reloadsCounter = bank.counter("tracker_access_list_reloads", "Access list loads", "result", "ok");
        reloadFailuresCounter = bank.counter("tracker_access_list_reloads", "Access list loads", "result", "failed");
        metrics = bank.newWriter();
        // with the list off nothing can fail to load: 0 here fired every "reload failed" alert
        if (mode == AccessMode.OFF) metrics.set(reloadOkGauge, 1);
    }

    /**
     * Loads the list; with mode off no file is read. A missing or bad file here fails the start.
     */
    public static AccessList open(AccessMode mode, Path path, MetricBank bank) throws AccessListException {
        AccessList list = new AccessList(mode, path, bank);
        if (mode != AccessMode.OFF) {
            list.install(AccessListFile.read(path));
            LOG.info("access list ({} mode): {} info hashes from {}", mode.name().toLowerCase(), list.size(), path);
        }
        return list;
    }

    /** Any thread; lock-free. */
    public boolean permits(long h0, long h1, int h2) {
        return switch (mode) {
            case OFF -> true;
            case ALLOW -> hashes.contains(h0, h1, h2);
            case DENY -> !hashes.contains(h0, h1, h2);
        };
    }

    /**
     * Re-reads the file. Called from one thread at a time (the watcher or the signal handler
     * thread through {@code synchronized}); returns whether the new list is in force.
     */
    public synchronized boolean reload() {
        if (mode == AccessMode.OFF) return true;
        try {
            InfoHashSet fresh = AccessListFile.read(path);
            install(fresh);
            LOG.info("access list reloaded: {} info hashes from {}", fresh.size(), path);
            onReloaded.run();
            return true;
        } catch (AccessListException e) {
            metrics.set(reloadOkGauge, 0);
            metrics.increment(reloadFailuresCounter);
            LOG.error("access list reload failed, keeping the previous {} info hashes: {}", size(), e.getMessage());
            return false;
        }
    }

    private void install(InfoHashSet fresh) {
        hashes = fresh;
        metrics.set(sizeGauge, fresh.size());
        metrics.set(reloadOkGauge, 1);
        metrics.increment(reloadsCounter);
    }

    /** Runs after every reload that put a new list in force (on the reloading thread). */
    public void onReloaded(Runnable listener) {
        onReloaded = listener;
    }

    public int size() {
        return hashes.size();
    }

    public AccessMode mode() {
        return mode;
    }

    public Path path() {
        return path;
    }
}
