package trackerd.swarm;

/**
 * The swarms as a stream of records: a torrent, then exactly its {@code ipv4Peers} IPv4 peers,
 * then its {@code ipv6Peers} IPv6 peers, then the next torrent. A shard writes itself into one
 * ({@link SwarmShard#exportSlice}, on the shard's thread) and a snapshot decoder reads a file
 * into one ({@link ShardRestore}); the same stream could carry a node's peers to another node.
 * Times are ages in seconds before a moment the caller knows (the slice's time), multiples of
 * {@link #TICK_SECONDS}: the swarms keep times in 4-second ticks.
 */
public interface SwarmSnapshotSink {
    /** Resolution of every age: the swarms' tick. */
    int TICK_SECONDS = PeerStore.TICK_SECONDS;

    /**
     * One torrent.
     *
     * @param h0 info hash bytes 0-7, big-endian (as in {@link SwarmRequest}); {@code h1} 8-15, {@code h2} 16-19
     * @param completed downloads counted (unsigned)
     * @param emptyForSeconds for a torrent without peers, kept for its completed count: how long it
     *     has been empty; 0 when it has peers
     */
    void torrent(long h0, long h1, int h2, int completed, int emptyForSeconds, int ipv4Peers, int ipv6Peers);

    /** @param address the IPv4 address, big-endian in an int; {@code port} 1-65535 */
    void ipv4Peer(int address, int port, boolean seeder, int ageSeconds);

    /** @param address0 address bits 127..64; {@code address1} bits 63..0 */
    void ipv6Peer(long address0, long address1, int port, boolean seeder, int ageSeconds);

    /**
     * A torrent with more peers than an export slice's budget, copied so that it can be written
     * later, off the shard's thread, in place of its {@code torrent} and peer calls. By default
     * it is written at once.
     */
    default void detached(DetachedTorrent torrent) {
        torrent.writeTo(this);
    }
}
