package trackerd.handoff;

import java.util.Arrays;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jctools.queues.MpscArrayQueue;
import trackerd.swarm.RequestKind;
import trackerd.swarm.RequestStatus;
import trackerd.swarm.ReturnPort;
import trackerd.swarm.ScrapeBlock;
import trackerd.swarm.SwarmEngine;
import trackerd.swarm.SwarmInvoker;
import trackerd.swarm.SwarmRequest;

/**
 * One socket worker's door to the swarms. Every public method is for its own event loop only;
 * swarm workers reach it through its {@link ReturnPort}, which is not public.
 *
 * <p>Requests and scrape blocks come from pools of fixed size, so the requests a socket worker
 * has in flight are bounded and nothing is allocated per request; an empty pool means the
 * tracker is busy. A request goes to the swarm worker that owns its info hash; a scrape whose
 * hashes fall on several shards goes to each of them (one part each, sharing the scrape block)
 * and is answered when the last part is back.
 *
 * <p>One contract in both engine modes: answers reach the submitting {@link ResponseHandler}
 * on this loop, never from inside a submit call, each batch followed by one
 * {@link ResponseHandler#onBatchEnd}. Threaded, swarm workers hand answers back through one MPSC
 * queue and wake the loop at most once per batch. Inline, the request is answered during submit
 * (a direct call, no queue) and its answer is dispatched at the next {@link #flush}, which the
 * front end calls at the end of every read batch.
 */
public final class SwarmGateway {
    private final SwarmEngine engine;
    /** Inline engine: the shard, answered on this loop. Null when swarm workers are threads. */
    private final SwarmInvoker inline;
    private final Executor loop;
    private final SwarmRequest[] requests;
    private final SwarmRequest[] free;
    private int freeCount;
    private final ScrapeBlock[] freeBlocks;
    private int freeBlockCount;
    /** By request index: who answers it; for a scrape part, the index of its parent, else -1. */
    private final ResponseHandler[] handlers;
    private final int[] parentOf;
    private final int[] pendingParts;
    private final MpscArrayQueue<SwarmRequest> responses;
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private final Runnable drainTask = this::drain;
    private final ReturnPort port = new Port();
    /** Answered on this loop (inline, or refused before any queue): dispatched at flush. */
    private final SwarmRequest[] answeredHere;
    private int answeredHereCount;
    private final boolean[] shardsToWake;
    private boolean anyToWake;
    private final SwarmRequest[] partByShard;
    private final ResponseHandler[] batchHandlers = new ResponseHandler[8];
    private int batchHandlerCount;

    /**
     * @param inline the engine's invoker when it runs inline on {@code loop}, else null
     * @param sizing how many requests and scrape blocks this loop may have in flight
     */
    public SwarmGateway(SwarmEngine engine, SwarmInvoker inline, Executor loop, GatewaySizing sizing) {
        this.engine = engine;
        this.inline = inline;
        this.loop = loop;
        int slots = sizing.requests();
        requests = new SwarmRequest[slots];
        free = new SwarmRequest[slots];
        for (int i = 0; i < slots; i++) requests[i] = new SwarmRequest(port, i, sizing.maxResponsePeers());
        for (int i = 0; i < slots; i++) free[i] = requests[slots - 1 - i]; // request 0 is taken first
        freeCount = slots;
        freeBlocks = new ScrapeBlock[sizing.scrapeBlocks()];
        for (int i = 0; i < freeBlocks.length; i++) freeBlocks[i] = new ScrapeBlock(sizing.maxScrapeHashes());
        freeBlockCount = freeBlocks.length;
        handlers = new ResponseHandler[slots];
        parentOf = new int[slots];
        Arrays.fill(parentOf, -1);
        pendingParts = new int[slots];
        responses = new MpscArrayQueue<>(Math.max(2, slots));
        answeredHere = new SwarmRequest[slots];
        shardsToWake = new boolean[engine.shards()];
        partByShard = new SwarmRequest[engine.shards()];
    }

    /** A clean announce request, or null when every request is in flight (answer "busy" or drop). */
    public SwarmRequest acquire() {
        if (freeCount == 0) return null;
        SwarmRequest request = free[--freeCount];
        request.reset();
        return request;
    }

    /** A clean scrape request with an empty {@link ScrapeBlock}, or null when either pool is empty. */
    public SwarmRequest acquireScrape() {
        if (freeBlockCount == 0) return null;
        SwarmRequest request = acquire();
        if (request == null) return null;
        ScrapeBlock block = freeBlocks[--freeBlockCount];
        block.clear();
        request.kind = RequestKind.SCRAPE;
        request.scrape = block;
        return request;
    }

    /** Back to the pool, with its scrape block: after the answer is written, or when refused. */
    public void release(SwarmRequest request) {
        if (request.scrape != null) {
            freeBlocks[freeBlockCount++] = request.scrape;
            request.scrape = null;
        }
        handlers[request.index()] = null;
        free[freeCount++] = request;
    }

    /** Requests not in flight, for tests and metrics. */
    public int freeSlots() {
        return freeCount;
    }

    /** The size of the request pool: front ends size per-request side tables by it. */
    public int capacity() {
        return requests.length;
    }

    /**
     * Sends an announce to the shard that owns its info hash. False when that queue is full:
     * the request is still the caller's to answer and release.
     */
    public boolean submitAnnounce(SwarmRequest request, ResponseHandler handler) {
        request.kind = RequestKind.ANNOUNCE;
        handlers[request.index()] = handler;
        if (inline != null) {
            inline.answer(request);
            answeredHere[answeredHereCount++] = request;
            return true;
        }
        int shard = engine.shardOf(request.infoHash0, request.infoHash1, request.infoHash2);
        if (!engine.offer(shard, request)) {
            handlers[request.index()] = null;
            return false;
        }
        markToWake(shard);
        return true;
    }

    /**
     * Sends a scrape from {@link #acquireScrape} whose hashes were added to its block: one part
     * per shard involved. The answer arrives on the same request when every part is back, with
     * status {@link RequestStatus#BUSY} if some part could not be queued. False when nothing could
     * be queued: the request is still the caller's.
     */
    public boolean submitScrape(SwarmRequest parent, ResponseHandler handler) {
        parent.kind = RequestKind.SCRAPE;
        parent.status = RequestStatus.OK;
        handlers[parent.index()] = handler;
        ScrapeBlock block = parent.scrape;
        int shards = 0;
        int lastShard = 0;
        for (int i = 0, n = block.count(); i < n; i++) {
            int shard = engine.shardOf(block.hash0(i), block.hash1(i), block.hash2(i));
            block.setShard(i, shard);
            if (partByShard[shard] == null) {
                partByShard[shard] = parent; // marks the shard; replaced by a part below if split
                shards++;
                lastShard = shard;
            }
        }
        if (inline != null || shards <= 1) {
            if (shards == 1) partByShard[lastShard] = null;
            if (inline != null || shards == 0) { // answered here: inline, or no hash to look up
                if (inline != null) inline.answer(parent);
                answeredHere[answeredHereCount++] = parent;
                return true;
            }
            if (!engine.offer(lastShard, parent)) {
                handlers[parent.index()] = null;
                return false;
            }
            markToWake(lastShard);
            return true;
        }
        return submitParts(parent);
    }

    /** A scrape over several shards: a part per shard, each a request sharing the parent's block. */
    private boolean submitParts(SwarmRequest parent) {
        int sent = 0;
        for (int shard = 0; shard < partByShard.length; shard++) {
            if (partByShard[shard] == null) continue;
            partByShard[shard] = null;
            SwarmRequest part = acquire();
            if (part == null) {
                parent.status = RequestStatus.BUSY;
                continue;
            }
            part.kind = RequestKind.SCRAPE;
            part.webTorrent = parent.webTorrent;
            part.scrape = parent.scrape;
            parentOf[part.index()] = parent.index();
            if (engine.offer(shard, part)) {
                markToWake(shard);
                sent++;
            } else {
                parentOf[part.index()] = -1;
                part.scrape = null; // the block stays with the parent
                release(part);
                parent.status = RequestStatus.BUSY;
            }
        }
        if (sent == 0) {
            handlers[parent.index()] = null;
            parent.status = RequestStatus.OK;
            return false;
        }
        pendingParts[parent.index()] = sent;
        return true;
    }

    private void markToWake(int shard) {
        shardsToWake[shard] = true;
        anyToWake = true;
    }

    /**
     * End of a read batch, on this loop: wakes the swarm workers that were given work, and
     * dispatches what was answered here (inline) to its handlers.
     */
    public void flush() {
        if (anyToWake) {
            anyToWake = false;
            for (int shard = 0; shard < shardsToWake.length; shard++) {
                if (shardsToWake[shard]) {
                    shardsToWake[shard] = false;
                    engine.wakeIfParked(shard);
                }
            }
        }
        if (answeredHereCount == 0) return;
        for (int i = 0; i < answeredHereCount; i++) {
            SwarmRequest request = answeredHere[i];
            answeredHere[i] = null;
            dispatch(request);
        }
        answeredHereCount = 0;
        endBatch();
    }

    private void drain() {
        // cleared first: an answer delivered from now on schedules another drain
        drainScheduled.set(false);
        SwarmRequest request;
        while ((request = responses.relaxedPoll()) != null) {
            int parentIndex = parentOf[request.index()];
            if (parentIndex < 0) {
                dispatch(request);
                continue;
            }
            SwarmRequest parent = requests[parentIndex];
            if (request.status != RequestStatus.OK) parent.status = request.status;
            parentOf[request.index()] = -1;
            request.scrape = null; // the block stays with the parent
            release(request);
            if (--pendingParts[parentIndex] == 0) dispatch(parent);
        }
        endBatch();
    }

    private void dispatch(SwarmRequest request) {
        ResponseHandler handler = handlers[request.index()];
        handler.onResponse(request);
        for (int i = 0; i < batchHandlerCount; i++) {
            if (batchHandlers[i] == handler) return;
        }
        if (batchHandlerCount == batchHandlers.length) {
            handler.onBatchEnd(); // more front ends than expected on one loop: flush this one now
        } else {
            batchHandlers[batchHandlerCount++] = handler;
        }
    }

    private void endBatch() {
        for (int i = 0; i < batchHandlerCount; i++) {
            batchHandlers[i].onBatchEnd();
            batchHandlers[i] = null;
        }
        batchHandlerCount = 0;
    }

    /** The swarm workers' side: called on their threads only. */
    private final class Port implements ReturnPort {
        @Override
        public void deliver(SwarmRequest answered) {
            responses.offer(answered); // never full: it holds every request there is
        }

        @Override
        public void wake() {
            if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
                loop.execute(drainTask);
            }
        }
    }
}
