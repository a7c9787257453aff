package trackerd.cluster;

import java.util.concurrent.atomic.AtomicReferenceArray;
import trackerd.swarm.ChangeBuffer;
import trackerd.swarm.ShardCommand;
import trackerd.swarm.SwarmEngine;

/**
 * Moves each shard's captured changes to the publisher without a lock or an allocation: every
 * shard has two {@link ChangeBuffer}s. The shard records into one; the publisher's
 * {@linkplain #flipAll flip} command, run on the shard's thread, swaps in the spare and parks the
 * filled one in {@code filled}; the publisher {@linkplain #drain drains} it, clears it and hands it
 * back as the spare. A shard whose spare is not back yet is not flipped (it keeps recording, and
 * marks its buffer overflowed when full). Publisher thread only, except the commands.
 */
final class ChangeCollector {
    /** 512 KiB a buffer: 16,384 IPv4 changes per shard per publish interval (164,000/s at 100 ms). */
    static final int BUFFER_WORDS = 1 << 16;

    private final SwarmEngine engine;
    private final AtomicReferenceArray<ChangeBuffer> spare;
    private final AtomicReferenceArray<ChangeBuffer> filled;
    private final ShardCommand[] flip;
    private final int bufferWords;

    ChangeCollector(SwarmEngine engine, int bufferWords) {
        this.engine = engine;
        this.bufferWords = bufferWords;
        int shards = engine.shards();
        spare = new AtomicReferenceArray<>(shards);
        filled = new AtomicReferenceArray<>(shards);
        flip = new ShardCommand[shards];
        for (int i = 0; i < shards; i++) {
            int shard = i;
            spare.set(i, new ChangeBuffer(bufferWords));
            flip[i] = s -> {
                ChangeBuffer fresh = spare.getAndSet(shard, null);
                if (fresh == null) return;
                ChangeBuffer old = s.swapChanges(fresh);
                if (old != null) filled.set(shard, old);
            };
        }
    }

    /** Starts capturing on every shard, each into a buffer of its own (the spare stays here). */
    void start() {
        for (int i = 0; i < flip.length; i++) {
            ChangeBuffer first = new ChangeBuffer(bufferWords);
            if (!engine.execute(i, s -> s.swapChanges(first))) {
                throw new IllegalStateException("shard " + i + " inbox full at start");
            }
        }
    }

    /** Asks each shard whose spare is back to swap buffers; a full inbox just skips a round. */
    void flipAll() {
        for (int i = 0; i < flip.length; i++) {
            if (spare.get(i) != null) engine.execute(i, flip[i]);
        }
    }

    /** Hands each filled buffer to {@code sink}, then clears it and makes it the spare again. */
    void drain(java.util.function.Consumer<ChangeBuffer> sink) {
        for (int i = 0; i < flip.length; i++) {
            ChangeBuffer b = filled.getAndSet(i, null);
            if (b == null) continue;
            try {
                sink.accept(b);
            } finally {
                b.clear();
                spare.set(i, b);
            }
        }
    }

    /** Stops capturing (the shards drop their buffer). */
    void stop() {
        engine.executeOnAll(s -> s.swapChanges(null));
    }
}
