package trackerd.swarm;

/**
 * Work for one shard that is not a client request: "connection closed, drop its peers", "write a
 * snapshot slice", "apply remote changes", "purge forbidden torrents". Commands go through a
 * bounded inbox of their own, drained before requests each cycle, so they never wait for a free
 * request slot. Runs on the shard's thread (its swarm worker, or the inline event loop).
 */
@FunctionalInterface
public interface ShardCommand {
    /** Exceptions are caught, counted and logged once per distinct stack; the worker goes on. */
    void execute(SwarmShard shard);
}
