package trackerd.loop;

import java.util.Arrays;

/**
 * The open connections of one event loop, by a token that outlives them safely: the low 32 bits
 * are a slot, the high 32 its generation, bumped when the slot is freed. A request that comes back
 * from the swarm, or a relayed WebRTC offer, names its connection by token; if the connection
 * closed meanwhile (even if its slot was reused) {@link #get} says null instead of writing to a
 * stranger. Bounded: {@link #register} refuses past its capacity. Only on the owning loop.
 *
 * @param <C> the connection (a Netty channel in the daemon)
 */
public final class ConnectionRegistry<C> {
    /** Tokens are never 0, so 0 can mean "no connection". */
    public static final long NONE = 0;

    private final int capacity;
    private Object[] connections;
    private int[] generations;
    private int[] freeSlots;
    private int freeCount;
    private int used;
    private int size;

    public ConnectionRegistry(int capacity) {
        this.capacity = capacity;
        int initial = Math.min(capacity, 64);
        connections = new Object[initial];
        generations = new int[initial];
        Arrays.fill(generations, 1);
        freeSlots = new int[initial];
    }

    /** A token for a new connection, or {@link #NONE} when the registry is full. */
    public long register(C connection) {
        int slot;
        if (freeCount > 0) {
            slot = freeSlots[--freeCount];
        } else if (used < capacity) {
            if (used == connections.length) grow();
            slot = used++;
        } else {
            return NONE;
        }
        connections[slot] = connection;
        size++;
        return ((long) generations[slot] << 32) | slot;
    }

    /** The connection of a token, or null when it has closed. */
    @SuppressWarnings("unchecked")
    public C get(long token) {
        int slot = (int) token;
        if (slot < 0 || slot >= used || generations[slot] != (int) (token >>> 32)) return null;
        return (C) connections[slot];
    }

    /** The connection has closed; its token never resolves again. False if it already had. */
    public boolean remove(long token) {
        if (get(token) == null) return false;
        int slot = (int) token;
        connections[slot] = null;
        int next = generations[slot] + 1;
        generations[slot] = next == 0 ? 1 : next;
        freeSlots[freeCount++] = slot;
        size--;
        return true;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return capacity;
    }

    private void grow() {
        int length = (int) Math.min(capacity, (long) connections.length * 2);
        connections = Arrays.copyOf(connections, length);
        int old = generations.length;
        generations = Arrays.copyOf(generations, length);
        Arrays.fill(generations, old, length, 1);
        freeSlots = Arrays.copyOf(freeSlots, length);
    }
}
