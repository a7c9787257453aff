package trackerd.handoff;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jctools.queues.MpscArrayQueue;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.SwarmWorker;

/**
 * One socket worker's door to the swarm workers. Only its own event loop calls the public
 * methods; swarm workers call {@link #deliver} and {@link #wake}.
 *
 * <p>Slots come from a pool of fixed size, so the requests a socket worker has in flight are
 * bounded and nothing is allocated per request; an empty pool means the tracker is busy.
 * Requests go to the swarm worker that owns the info hash; a scrape whose hashes fall on
 * several shards is split into one part per shard and answered when the last part is back.
 * Swarm workers hand answers back through one MPSC queue and wake the event loop at most once
 * per batch; the loop then drains them all and lets each front end flush once.
 */
public final class SwarmGateway {
    private final SwarmEngine engine;
    /** Inline engine: the shard's worker, answering on this loop. Null when swarm workers are threads. */
    private final SwarmWorker inline;
    private final EventExecutor loop;
    private final RequestSlot[] free;
    private int freeCount;
    private final MpscArrayQueue<RequestSlot> responses;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    private final boolean[] shardsToWake;
    private boolean anyToWake;
    private final RequestSlot[] partByShard;
    private final ResponseHandler[] batchHandlers = new ResponseHandler[8];
    private int batchHandlerCount;

    public SwarmGateway(SwarmEngine engine, EventExecutor loop, int slots, int maxResponsePeers, int maxScrapeHashes) {
        this.engine = engine;
        this.inline = engine.inlineWorker();
        this.loop = loop;
        free = new RequestSlot[slots];
        for (int i = 0; i < slots; i++) {
            free[i] = new RequestSlot(this, maxResponsePeers, maxScrapeHashes);
        }
        freeCount = slots;
        responses = new MpscArrayQueue<>(Math.max(2, slots));
        shardsToWake = new boolean[engine.shards()];
        partByShard = new RequestSlot[engine.shards()];
    }

    /** A clean slot, or null when every slot is in flight (answer "busy" or drop). */
    public RequestSlot acquire() {
        if (freeCount == 0) return null;
        RequestSlot slot = free[--freeCount];
        slot.resetRequest();
        return slot;
    }

    void release(RequestSlot slot) {
        free[freeCount++] = slot;
    }

    /** Slots not in flight, for tests and metrics. */
    public int freeSlots() {
        return freeCount;
    }

    /**
     * Queues an announce to the shard that owns its info hash. False when that queue is full:
     * the slot is still the caller's to answer and release.
     */
    public boolean submitAnnounce(RequestSlot slot) {
        slot.kind = RequestSlot.ANNOUNCE;
        if (inline != null) {
            inline.answer(slot);
            slot.handler.onResponse(slot);
            return true;
        }
        int shard = engine.shardOf(slot.infoHash0, slot.infoHash1, slot.infoHash2);
        if (!engine.worker(shard).offer(slot)) return false;
        markToWake(shard);
        return true;
    }

    /**
     * Queues a scrape whose hashes were added with {@link RequestSlot#addScrapeHash}: one part
     * per shard involved. The answer arrives on the same slot when every part is back, with
     * status {@link RequestSlot#BUSY} if some part could not be queued. False when nothing
     * could be queued: the slot is still the caller's.
     */
    public boolean submitScrape(RequestSlot parent) {
        parent.kind = RequestSlot.SCRAPE;
        parent.status = RequestSlot.OK;
        for (int i = 0; i < parent.scrapeCount; i++) {
            long h0 = parent.scrapeHashes[3 * i];
            long h1 = parent.scrapeHashes[3 * i + 1];
            int h2 = (int) parent.scrapeHashes[3 * i + 2];
            int shard = engine.shardOf(h0, h1, h2);
            RequestSlot part = partByShard[shard];
            if (part == null) {
                part = acquire();
                if (part == null) {
                    releaseParts();
                    return false;
                }
                part.kind = RequestSlot.SCRAPE;
                part.scrapeParent = parent;
                partByShard[shard] = part;
            }
            part.addScrapeHash(h0, h1, h2);
            part.scrapeIndex[part.scrapeCount - 1] = i;
        }
        if (inline != null) {
            RequestSlot part = partByShard[0]; // one shard: one part, answered now
            partByShard[0] = null;
            inline.answer(part);
            if (part.status != RequestSlot.OK) parent.status = part.status;
            release(part);
            parent.handler.onResponse(parent);
            return true;
        }
        int sent = 0;
        for (int shard = 0; shard < partByShard.length; shard++) {
            RequestSlot part = partByShard[shard];
            if (part == null) continue;
            partByShard[shard] = null;
            if (engine.worker(shard).offer(part)) {
                markToWake(shard);
                sent++;
            } else {
                parent.status = RequestSlot.BUSY;
                release(part);
            }
        }
        parent.pendingParts = sent;
        return sent > 0;
    }

    private void releaseParts() {
        for (int shard = 0; shard < partByShard.length; shard++) {
            if (partByShard[shard] != null) {
                release(partByShard[shard]);
                partByShard[shard] = null;
            }
        }
    }

    private void markToWake(int shard) {
        shardsToWake[shard] = true;
        anyToWake = true;
    }

    /** End of a read batch: wake the swarm workers that were given work and are parked. */
    public void flush() {
        if (!anyToWake) return;
        anyToWake = false;
        for (int shard = 0; shard < shardsToWake.length; shard++) {
            if (shardsToWake[shard]) {
                shardsToWake[shard] = false;
                engine.worker(shard).wakeIfParked();
            }
        }
    }

    /** Swarm thread: an answered slot. Never fails: the queue holds every slot there is. */
    public void deliver(RequestSlot slot) {
        responses.offer(slot);
    }

    /** Swarm thread, once per batch: have the event loop drain the answers. */
    public void wake() {
        if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
            loop.execute(drainTask);
        }
    }

    private void drain() {
        // cleared first: an answer delivered from now on schedules another drain
        drainScheduled.set(false);
        RequestSlot slot;
        while ((slot = responses.relaxedPoll()) != null) {
            if (slot.kind == RequestSlot.SCRAPE) {
                RequestSlot parent = slot.scrapeParent;
                if (slot.status != RequestSlot.OK) parent.status = slot.status;
                release(slot);
                if (--parent.pendingParts == 0) dispatch(parent);
            } else {
                dispatch(slot);
            }
        }
        for (int i = 0; i < batchHandlerCount; i++) {
            batchHandlers[i].onBatchEnd();
            batchHandlers[i] = null;
        }
        batchHandlerCount = 0;
    }

    private void dispatch(RequestSlot slot) {
        ResponseHandler handler = slot.handler;
        handler.onResponse(slot);
        for (int i = 0; i < batchHandlerCount; i++) {
            if (batchHandlers[i] == handler) return;
        }
        if (batchHandlerCount == batchHandlers.length) {
            handler.onBatchEnd(); // more front ends than expected on one loop: flush this one now
        } else {
            batchHandlers[batchHandlerCount++] = handler;
        }
    }
}
