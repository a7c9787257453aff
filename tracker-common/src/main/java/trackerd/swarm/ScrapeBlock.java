package trackerd.swarm;

/**
 * The info hashes of one scrape and their counts, pooled apart from {@link SwarmRequest}s so that
 * announces carry no scrape arrays. A scrape whose hashes fall on several shards goes to each of
 * them with the same block; each shard answers only the hashes {@link #shardOf} gives it, so the
 * shards write disjoint elements of {@link #results}.
 *
 * <p>Size: 26 bytes per hash of room plus headers: 1.7 KiB at {@code limits.max_scrape_hashes} 64.
 */
public final class ScrapeBlock {
    /** Three words per hash (bytes 0-7, 8-15, 16-19 in the low 32 bits). */
    private final long[] hashes;
    private final short[] shards;
    /** Per hash: seeders, completed, leechers. */
    private final int[] results;
    private int count;

    public ScrapeBlock(int maxHashes) {
        hashes = new long[maxHashes * 3];
        shards = new short[maxHashes];
        results = new int[maxHashes * 3];
    }

    public int capacity() {
        return shards.length;
    }

    public int count() {
        return count;
    }

    public void clear() {
        count = 0;
    }

    /** Appends a hash; false when the block is full. */
    public boolean add(long h0, long h1, int h2) {
        if (count == shards.length) return false;
        int i = 3 * count;
        hashes[i] = h0;
        hashes[i + 1] = h1;
        hashes[i + 2] = h2;
        count++;
        return true;
    }

    public long hash0(int i) {
        return hashes[3 * i];
    }

    public long hash1(int i) {
        return hashes[3 * i + 1];
    }

    public int hash2(int i) {
        return (int) hashes[3 * i + 2];
    }

    /** The shard that answers hash {@code i}: set on the socket worker before the block is sent. */
    public int shardOf(int i) {
        return shards[i];
    }

    public void setShard(int i, int shard) {
        shards[i] = (short) shard;
    }

    public int seeders(int i) {
        return results[3 * i];
    }

    public int completed(int i) {
        return results[3 * i + 1];
    }

    public int leechers(int i) {
        return results[3 * i + 2];
    }

    /** Counts of hash {@code i}: by its shard, or zeros from a front end that refuses the hash. */
    public void setResult(int i, int seeders, int completed, int leechers) {
        results[3 * i] = seeders;
        results[3 * i + 1] = completed;
        results[3 * i + 2] = leechers;
    }
}
