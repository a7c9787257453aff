package trackerd.swarm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import trackerd.net.InfoHashes;

/**
 * The peers of one torrent and one address family, kept in a single {@code long[]} so that a
 * peer costs 8 bytes (IPv4) or 24 bytes (IPv6) plus table slack, and no object.
 *
 * <pre>
 * word 0: header   [63: large form][62..32: peer count][31..0: seeder count]
 * then one record per peer, {@link #stride} words each; the last word of a record is
 *   IPv4: [63..32 address][31..16 port][15 seeder][14..0 announce tick]   (stride 1)
 *   IPv6: word 0 address bits 127..64, word 1 bits 63..0,
 *         word 2 [63..32 zero][31..16 port][15 seeder][14..0 announce tick] (stride 3)
 * </pre>
 *
 * A peer's key is everything but the low 16 bits of its last word. Port 0 is refused by every
 * front end, so a last word of 0 never holds a peer and marks an empty slot.
 *
 * <p>Small swarms (up to {@value #SMALL_MAX} peers) keep their records packed in an array of
 * exactly the right length and are scanned. (A torrent's only IPv4 peer is kept inline in its
 * {@link TorrentTable} slot, without an array; the table shows it here as a one-peer array.) Larger ones switch to open addressing with linear
 * probing over {@code (length - 1) / stride} slots, load kept between 0.25 and 0.8, and
 * backward-shift deletion, so no tombstones build up.
 *
 * <p>Ticks are announce times in {@link #TICK_SECONDS}-second units modulo 2^15 (36 hours);
 * age is taken modulo the same, which is exact while peer timeout plus cleaning interval stays
 * under 36 hours (the config caps both).
 *
 * <p>Not thread-safe: one per swarm worker and family. Calls report what happened in fields
 * ({@link #previous}, {@link #removedSeeders}, {@link #removedLeechers}) instead of allocating.
 */
final class PeerStore {
    private static final VarHandle BIG_ENDIAN_LONGS =
        MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle BIG_ENDIAN_SHORTS =
        MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.BIG_ENDIAN);

    static final int TICK_SECONDS = 4;
    static final int TICK_MASK = 0x7FFF;
    static final long SEEDER_BIT = 1L << 15;
    static final long LARGE = 1L << 63;
    static final int SMALL_MAX = 16;
    static final int SMALL_AGAIN = 8;

    /** {@link #previous} after an upsert. */
    static final int NEW = 0;
    static final int WAS_LEECHER = 1;
    static final int WAS_SEEDER = 2;
    static final int REFUSED_FULL = 3;

    final int stride;
    private final long seed;
    int previous;
    /** After an upsert that found the peer: the announce tick its record had before. */
    int previousTick;
    int removedSeeders;
    int removedLeechers;

    PeerStore(int stride, long seed) {
        this.stride = stride;
        this.seed = seed;
    }

    static int count(long[] a) {
        return a == null ? 0 : (int) ((a[0] >>> 32) & 0x7FFF_FFFF);
    }

    static int seeders(long[] a) {
        return a == null ? 0 : (int) a[0];
    }

    /** The header of a small-form array. */
    static long smallHeader(int count, int seeders) {
        return header(false, count, seeders);
    }

    private static long header(boolean large, int count, int seeders) {
        return (large ? LARGE : 0) | ((long) count << 32) | (seeders & 0xFFFF_FFFFL);
    }

    private static boolean isSeeder(long lastWord) {
        return (lastWord & SEEDER_BIT) != 0;
    }

    private int slots(long[] a) {
        return (a.length - 1) / stride;
    }

    /**
     * A peer's hash, seeded per process. IPv6: each part goes through the mix after the seed, so
     * that a client owning a /64 (all of k1, and every port) cannot pick thousands of addresses
     * and ports that hash alike in one torrent (a linear XOR of k1 and the port could be solved
     * for without the seed, and made one probe run of them all).
     */
    long hash(long k0, long k1, long keyWord) {
        if (stride == 1) return InfoHashes.mix(keyWord ^ seed);
        return InfoHashes.mix(InfoHashes.mix(InfoHashes.mix(k0 ^ seed) ^ k1) ^ keyWord);
    }

    private static int fastRange(long hash, int n) {
        return (int) (((hash & 0xFFFF_FFFFL) * n) >>> 32);
    }

    private boolean matches(long[] a, int base, long k0, long k1, long keyWord) {
        if ((a[base + stride - 1] & ~0xFFFFL) != keyWord) return false;
        return stride == 1 || (a[base] == k0 && a[base + 1] == k1);
    }

    /** Reads the peer's home slot in a large-form array, where {@link #find} starts (see {@link TorrentTable#touch}). */
    long touch(long[] a, long k0, long k1, long keyWord) {
        if (a == null || a[0] >= 0) return 0;
        return a[1 + fastRange(hash(k0, k1, keyWord), slots(a)) * stride];
    }

    /** Word index of the peer's record, or -1. */
    int find(long[] a, long k0, long k1, long keyWord) {
        if (a == null) return -1;
        if (a[0] >= 0) {
            int end = 1 + count(a) * stride;
            for (int base = 1; base < end; base += stride) {
                if (matches(a, base, k0, k1, keyWord)) return base;
            }
            return -1;
        }
        int slots = slots(a);
        int slot = fastRange(hash(k0, k1, keyWord), slots);
        while (true) {
            int base = 1 + slot * stride;
            if (a[base + stride - 1] == 0) return -1;
            if (matches(a, base, k0, k1, keyWord)) return base;
            if (++slot == slots) slot = 0;
        }
    }

    /**
     * Adds the peer or refreshes it. Sets {@link #previous}; on {@link #REFUSED_FULL} the array
     * is returned unchanged.
     *
     * @param keyWord the last word's key bits: the last word with its low 16 bits zero
     */
    long[] upsert(long[] a, long k0, long k1, long keyWord, boolean seeder, int tick, int maxPeers) {
        return upsertAt(a, find(a, k0, k1, keyWord), k0, k1, keyWord, seeder, tick, maxPeers);
    }

    /**
     * {@link #upsert} for a caller that looked the peer up already: {@code at} is what
     * {@link #find} returned for the same array and key (a remote change checks the local peer
     * first; a second probe of a large swarm is a second walk of its slots).
     */
    long[] upsertAt(long[] a, int at, long k0, long k1, long keyWord, boolean seeder, int tick, int maxPeers) {
        long last = keyWord | (seeder ? SEEDER_BIT : 0) | (tick & TICK_MASK);
        if (at >= 0) {
            boolean was = isSeeder(a[at + stride - 1]);
            previous = was ? WAS_SEEDER : WAS_LEECHER;
            previousTick = (int) a[at + stride - 1] & TICK_MASK;
            a[at + stride - 1] = last;
            if (was != seeder) a[0] += seeder ? 1 : -1;
            return a;
        }
        int count = count(a);
        if (count >= maxPeers) {
            previous = REFUSED_FULL;
            return a;
        }
        previous = NEW;
        if (a == null) {
            a = new long[1 + stride];
            a[0] = header(false, 1, seeder ? 1 : 0);
            writeRecord(a, 1, k0, k1, last);
            return a;
        }
        int seeders = seeders(a) + (seeder ? 1 : 0);
        if (a[0] >= 0 && count < SMALL_MAX) {
            a = Arrays.copyOf(a, a.length + stride);
            writeRecord(a, 1 + count * stride, k0, k1, last);
            a[0] = header(false, count + 1, seeders);
            return a;
        }
        if (a[0] >= 0 || (long) (count + 1) * 5 > (long) slots(a) * 4) {
            int target = a[0] >= 0 ? (count + 1) * 2 : slots(a) * 3 / 2 + 1;
            a = rebuildLarge(a, target);
        }
        insertLarge(a, k0, k1, last);
        a[0] = header(true, count + 1, seeders);
        return a;
    }

    private void writeRecord(long[] a, int base, long k0, long k1, long last) {
        if (stride == 3) {
            a[base] = k0;
            a[base + 1] = k1;
        }
        a[base + stride - 1] = last;
    }

    private void insertLarge(long[] a, long k0, long k1, long last) {
        int slots = slots(a);
        int slot = fastRange(hash(k0, k1, last & ~0xFFFFL), slots);
        while (a[1 + slot * stride + stride - 1] != 0) {
            if (++slot == slots) slot = 0;
        }
        writeRecord(a, 1 + slot * stride, k0, k1, last);
    }

    /** A large table of the given slot count holding the same peers; the header is copied. */
    private long[] rebuildLarge(long[] a, int slots) {
        long[] b = new long[1 + slots * stride];
        b[0] = a[0] | LARGE;
        forEachRecord(a, base -> insertLarge(b, stride == 3 ? a[base] : 0, stride == 3 ? a[base + 1] : 0,
            a[base + stride - 1]));
        return b;
    }

    /** Back to the packed small form. */
    private long[] rebuildSmall(long[] a) {
        int count = count(a);
        long[] b = new long[1 + count * stride];
        b[0] = a[0] & ~LARGE;
        int[] next = {1};
        forEachRecord(a, base -> {
            System.arraycopy(a, base, b, next[0], stride);
            next[0] += stride;
        });
        return b;
    }

    private interface RecordVisitor {
        void visit(int base);
    }

    private void forEachRecord(long[] a, RecordVisitor visitor) {
        if (a[0] >= 0) {
            int end = 1 + count(a) * stride;
            for (int base = 1; base < end; base += stride) visitor.visit(base);
        } else {
            for (int base = 1; base < a.length; base += stride) {
                if (a[base + stride - 1] != 0) visitor.visit(base);
            }
        }
    }

    /**
     * Removes the peer if present. Returns the array, a smaller one, or null when it was the
     * last peer; {@link #removedSeeders}/{@link #removedLeechers} say what went.
     */
    long[] remove(long[] a, long k0, long k1, long keyWord) {
        removedSeeders = 0;
        removedLeechers = 0;
        int at = find(a, k0, k1, keyWord);
        if (at < 0) return a;
        return removeAt(a, at);
    }

    private long[] removeAt(long[] a, int base) {
        boolean seeder = isSeeder(a[base + stride - 1]);
        if (seeder) removedSeeders++;
        else removedLeechers++;
        int count = count(a) - 1;
        int seeders = seeders(a) - (seeder ? 1 : 0);
        if (count == 0) return null;
        if (a[0] >= 0) {
            int lastBase = 1 + count * stride;
            System.arraycopy(a, lastBase, a, base, stride);
            long[] b = Arrays.copyOf(a, lastBase);
            b[0] = header(false, count, seeders);
            return b;
        }
        deleteSlot(a, (base - 1) / stride);
        a[0] = header(true, count, seeders);
        if (count <= SMALL_AGAIN) return rebuildSmall(a);
        if (count * 4 < slots(a)) return rebuildLarge(a, count * 2);
        return a;
    }

    /** Backward-shift deletion: pull later members of the probe run into the hole. */
    private void deleteSlot(long[] a, int hole) {
        int slots = slots(a);
        int j = hole;
        while (true) {
            if (++j == slots) j = 0;
            int base = 1 + j * stride;
            long last = a[base + stride - 1];
            if (last == 0) break;
            int home = fastRange(hash(stride == 3 ? a[base] : 0, stride == 3 ? a[base + 1] : 0, last & ~0xFFFFL), slots);
            int distanceFromHome = j - home < 0 ? j - home + slots : j - home;
            int distanceFromHole = j - hole < 0 ? j - hole + slots : j - hole;
            if (distanceFromHome >= distanceFromHole) {
                System.arraycopy(a, base, a, 1 + hole * stride, stride);
                hole = j;
            }
        }
        Arrays.fill(a, 1 + hole * stride, 1 + hole * stride + stride, 0L);
    }

    /**
     * Removes every peer whose last announce is at least {@code timeoutTicks} old. Returns the
     * array, a smaller one, or null when none is left; counts go to the removed fields.
     */
    long[] expire(long[] a, int nowTick, int timeoutTicks) {
        removedSeeders = 0;
        removedLeechers = 0;
        if (a == null) return null;
        if (a[0] >= 0) {
            int count = count(a);
            int seeders = seeders(a);
            int kept = 0;
            for (int i = 0; i < count; i++) {
                int base = 1 + i * stride;
                long last = a[base + stride - 1];
                if (expired(last, nowTick, timeoutTicks)) {
                    if (isSeeder(last)) {
                        removedSeeders++;
                        seeders--;
                    } else {
                        removedLeechers++;
                    }
                } else {
                    if (kept != i) System.arraycopy(a, base, a, 1 + kept * stride, stride);
                    kept++;
                }
            }
            if (kept == count) return a;
            if (kept == 0) return null;
            long[] b = Arrays.copyOf(a, 1 + kept * stride);
            b[0] = header(false, kept, seeders);
            return b;
        }
        int slots = slots(a);
        for (int slot = 0; slot < slots; slot++) {
            int base = 1 + slot * stride;
            long last;
            // a deletion shifts a later peer into this slot: look at it again
            while ((last = a[base + stride - 1]) != 0 && expired(last, nowTick, timeoutTicks)) {
                boolean seeder = isSeeder(last);
                if (seeder) removedSeeders++;
                else removedLeechers++;
                deleteSlot(a, slot);
                a[0] = header(true, count(a) - 1, seeders(a) - (seeder ? 1 : 0));
            }
        }
        int count = count(a);
        if (count == 0) return null;
        if (count <= SMALL_AGAIN) return rebuildSmall(a);
        if (count * 4 < slots) return rebuildLarge(a, count * 2);
        return a;
    }

    private static boolean expired(long last, int nowTick, int timeoutTicks) {
        return ((nowTick - (int) last) & TICK_MASK) >= timeoutTicks;
    }

    /**
     * Writes up to {@code max} peers other than the asker, in wire form (IPv4: 4 address bytes
     * and 2 port bytes; IPv6: 16 and 2), starting at a random place and going round once.
     * With {@code leechersOnly} seeders are skipped. Returns how many were written.
     */
    int select(long[] a, long k0, long k1, long askerKey, boolean leechersOnly, int max,
               byte[] out, int offset, long random) {
        if (a == null || max <= 0) return 0;
        int count = count(a);
        if (leechersOnly && count - seeders(a) == 0) return 0;
        boolean large = a[0] < 0;
        int positions = large ? slots(a) : count;
        int start = fastRange(random, positions);
        if (stride == 1) return selectIpv4(a, askerKey, leechersOnly, max, out, offset, positions, start);
        int written = 0;
        int pos = start;
        for (int seen = 0; seen < positions && written < max; seen++) {
            int base = 1 + pos * stride;
            long last = a[base + stride - 1];
            if (++pos == positions) pos = 0;
            if (last == 0 || (leechersOnly && isSeeder(last))) continue;
            if ((last & ~0xFFFFL) == askerKey && (stride == 1 || (a[base] == k0 && a[base + 1] == k1))) continue;
            offset = writePeer(a, base, last, out, offset);
            written++;
        }
        return written;
    }

    /**
     * The IPv4 loop without data-dependent branches: in an open-addressed swarm empty slots and
     * seeders come in random order, and a mispredicted branch per slot cost more than the rest
     * of the loop. Every slot is written; only a peer to keep moves the output on (a skipped
     * write is overwritten by the next, or left past the reply's length).
     */
    private static int selectIpv4(long[] a, long askerKey, boolean leechersOnly, int max, byte[] out, int offset,
                                  int positions, int start) {
        long seederMask = leechersOnly ? SEEDER_BIT : 0;
        int written = 0;
        int pos = start;
        for (int seen = 0; seen < positions && written < max; seen++) {
            long last = a[1 + pos];
            if (++pos == positions) pos = 0;
            BIG_ENDIAN_LONGS.set(out, offset, last);
            long other = (last & ~0xFFFFL) ^ askerKey;
            // 1 when the slot holds a peer, is not the asker, and is not a seeder we must skip
            long keep = ((last | -last) & (other | -other) & ~((last & seederMask) * -1L)) >>> 63;
            offset += 6 * (int) keep;
            written += (int) keep;
        }
        return written;
    }

    /**
     * Whole-word stores: an IPv4 peer's address and port are the top six bytes of its word, so
     * one 8-byte store writes it; the two bytes after are overwritten by the next peer or left
     * out by the reply's length (the slot's array has 18 bytes per peer, so there is room).
     */
    private int writePeer(long[] a, int base, long last, byte[] out, int offset) {
        if (stride == 3) {
            BIG_ENDIAN_LONGS.set(out, offset, a[base]);
            BIG_ENDIAN_LONGS.set(out, offset + 8, a[base + 1]);
            BIG_ENDIAN_SHORTS.set(out, offset + 16, (short) (last >>> 16));
            return offset + 18;
        }
        BIG_ENDIAN_LONGS.set(out, offset, last);
        return offset + 6;
    }
}
