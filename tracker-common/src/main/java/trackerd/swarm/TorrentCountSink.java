package trackerd.swarm;

/** Receives one torrent's counts from {@link SwarmShard#forEachTorrent}, on the shard's thread. */
@FunctionalInterface
public interface TorrentCountSink {
    /**
     * @param h0 info hash bytes 0-7, big-endian (as in {@link SwarmRequest})
     * @param h1 bytes 8-15
     * @param h2 bytes 16-19
     * @return false to stop the walk
     */
    boolean accept(long h0, long h1, int h2, int seeders, int completed, int leechers);
}
