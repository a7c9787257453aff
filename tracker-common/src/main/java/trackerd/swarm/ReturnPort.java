package trackerd.swarm;

/**
 * Where a swarm worker hands answered requests back: the socket worker that sent them. Only swarm
 * workers call it, on their own thread; the socket worker side implements it (the hand-off
 * gateway), so the swarm package depends on no event loop and the dependency runs one way.
 */
public interface ReturnPort {
    /** An answered request; never fails (the port has room for every request it lent out). */
    void deliver(SwarmRequest answered);

    /** Once per batch, after its deliveries: have the owning loop pick them up. */
    void wake();
}
