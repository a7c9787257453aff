package trackerd.swarm;

/** A set of info hashes (words as in {@link SwarmRequest}), asked on a swarm worker's thread. */
@FunctionalInterface
public interface InfoHashFilter {
    boolean matches(long h0, long h1, int h2);
}
