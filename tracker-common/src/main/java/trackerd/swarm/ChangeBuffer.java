package trackerd.swarm;

/**
 * Peer changes of one shard in a flat {@code long[]}, no object per change: what a node's own
 * clients changed (for the cluster publisher), or a batch of another node's changes on its way to
 * a shard ({@link SwarmShard#applyRemote}). Bounded: a full buffer refuses the change and remembers
 * that it {@linkplain #overflowed() overflowed} (the receivers must then resync this node) instead
 * of growing.
 *
 * <pre>
 * one change, 4 words (IPv4) or 6 (IPv6, WebTorrent):
 *   word 0: info hash bytes 0-7     word 1: bytes 8-15
 *   word 2: [63..32 info hash bytes 16-19][31..21 zero][20..16 flags][15 zero][14..0 announce tick]
 *   word 3: the peer's {@link PeerStore} key word: IPv4 [63..32 address][31..16 port], IPv6 [31..16 port];
 *           WebTorrent: peer id bytes 0-7
 *   words 4-5 (IPv6): address bits 127..64, 63..0; (WebTorrent): peer id bytes 8-15, 16-19 (low 32 bits)
 * </pre>
 *
 * Ticks are {@link SwarmShard#tick} values (4-second units modulo 2^15) of the clock of the node
 * that holds the buffer. Not thread-safe: one owner at a time (a shard's thread, or the publisher
 * after a swap, or the subscriber while it fills a batch); ownership passes through a queue or a
 * {@link ShardCommand}, which orders the memory.
 */
public final class ChangeBuffer {
    /** The peer is IPv6 (6 words). */
    public static final int IPV6 = 1;
    /** The peer is a seeder (left = 0, or it completed). */
    public static final int SEEDER = 2;
    /** The peer left (event=stopped). */
    public static final int STOPPED = 4;
    /** The peer completed its download now (counts one download on every node). */
    public static final int COMPLETED = 8;
    /**
     * A WebTorrent peer (6 words): keyed by its peer id, not an address (issue 14's WebTorrent
     * part); {@link #keyWord}, {@link #address0}, {@link #address1} then hold the peer id's words.
     */
    public static final int WEBTORRENT = 16;
    /** Changes of this many words: IPv6 and WebTorrent ones. */
    private static final int SIX_WORDS = IPV6 | WEBTORRENT;
    static final int FLAG_MASK = 0x1F;
    private static final int FLAG_SHIFT = 16;

    private final long[] words;
    private int size;
    private int count;
    private boolean overflowed;

    /** @param capacityWords at most this many words: capacityWords / 4 IPv4 changes */
    public ChangeBuffer(int capacityWords) {
        this.words = new long[capacityWords];
    }

    /**
     * Appends one change; false (and {@link #overflowed()} from now on) when it does not fit.
     *
     * @param keyWord {@link PeerStore} key word: IPv4 {@code address << 32 | port << 16}, IPv6 {@code port << 16};
     *                WebTorrent: peer id bytes 0-7
     * @param a0 IPv6 address bits 127..64 (ignored for IPv4); WebTorrent: peer id bytes 8-15
     * @param a1 IPv6 address bits 63..0; WebTorrent: peer id bytes 16-19 in the low 32 bits
     */
    public boolean add(long h0, long h1, int h2, int flags, int tick, long keyWord, long a0, long a1) {
        boolean ipv6 = (flags & SIX_WORDS) != 0;
        int need = ipv6 ? 6 : 4;
        if (size + need > words.length) {
            overflowed = true;
            return false;
        }
        long[] w = words;
        int at = size;
        w[at] = h0;
        w[at + 1] = h1;
        w[at + 2] = ((long) h2 << 32) | ((long) (flags & FLAG_MASK) << FLAG_SHIFT) | (tick & PeerStore.TICK_MASK);
        w[at + 3] = keyWord;
        if (ipv6) {
            w[at + 4] = a0;
            w[at + 5] = a1;
        }
        size = at + need;
        count++;
        return true;
    }

    /** Forgets every change and the overflow mark (the owner reuses the buffer). */
    public void clear() {
        size = 0;
        count = 0;
        overflowed = false;
    }

    /** Changes held. */
    public int count() {
        return count;
    }

    /** Words used: changes are at positions 0, {@link #next}(0), ... below it. */
    public int size() {
        return size;
    }

    public int capacityWords() {
        return words.length;
    }

    /** A change was refused since the last {@link #clear}: the receivers must resync this node. */
    public boolean overflowed() {
        return overflowed;
    }

    /** Marks the buffer as having lost changes (e.g. a batch decoded from a message that said so). */
    public void markOverflowed() {
        overflowed = true;
    }

    /** Position of the change after the one at {@code pos}. */
    public int next(int pos) {
        return pos + ((flags(pos) & SIX_WORDS) != 0 ? 6 : 4);
    }

    public long hash0(int pos) {
        return words[pos];
    }

    public long hash1(int pos) {
        return words[pos + 1];
    }

    public int hash2(int pos) {
        return (int) (words[pos + 2] >>> 32);
    }

    public int flags(int pos) {
        return (int) (words[pos + 2] >>> FLAG_SHIFT) & FLAG_MASK;
    }

    public int tick(int pos) {
        return (int) words[pos + 2] & PeerStore.TICK_MASK;
    }

    public long keyWord(int pos) {
        return words[pos + 3];
    }

    /** IPv4: the address in the low 32 bits; IPv6: bits 127..64; WebTorrent: peer id bytes 8-15. */
    public long address0(int pos) {
        return (flags(pos) & SIX_WORDS) != 0 ? words[pos + 4] : words[pos + 3] >>> 32;
    }

    /** IPv6: address bits 63..0; IPv4: 0; WebTorrent: peer id bytes 16-19 in the low 32 bits. */
    public long address1(int pos) {
        return (flags(pos) & SIX_WORDS) != 0 ? words[pos + 5] : 0;
    }

    /** Words a change with these flags takes: 6 for IPv6 and WebTorrent, else 4. */
    public static int words(int flags) {
        return (flags & SIX_WORDS) != 0 ? 6 : 4;
    }

    public int port(int pos) {
        return (int) (words[pos + 3] >>> 16) & 0xFFFF;
    }

    /** The key word of a peer, as {@link PeerStore} and {@link #add} take it. */
    public static long keyWord(boolean ipv6, long address0, int port) {
        return ipv6 ? ((long) port << 16) : ((address0 & 0xFFFF_FFFFL) << 32) | ((long) port << 16);
    }
}
