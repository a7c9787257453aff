package trackerd.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The other nodes this node hears from: each gets an origin index (how its peers are marked in
 * the shards), the last sequence number seen, and when it was last heard. A node silent past
 * the loss bound is lost: its index is retired (reused only after 65,535 other nodes, so a late batch of the
 * lost node cannot be mistaken for another's) and a node that speaks again later gets a new one.
 *
 * <p>Synchronized: the Redis client's thread records messages, the publisher thread checks for
 * lost nodes; both a few times per publish interval.
 */
final class NodeDirectory {
    /** What {@link #onMessage} found. */
    enum Arrival { FIRST, IN_ORDER, GAP, REPEAT }

    private static final class Node {
        final String id;
        final int origin;
        long lastSequence;
        long lastHeardNanos;
        boolean resyncNeeded;

        Node(String id, int origin) {
            this.id = id;
            this.origin = origin;
        }
    }

    private final Map<String, Node> nodes = new HashMap<>();
    private int nextOrigin;
    /** Filled by {@link #onMessage}: the sender's origin index. */
    private int lastOrigin;

    /**
     * Records a message of {@code nodeId}; returns how it arrived ({@link #origin()} then gives
     * the sender's index). A gap (sequence not the next) marks the node for a resync. A first
     * message does not: that node's resync begins with it, which its caller does at once, so
     * that it needs a snapshot covering the message before this one only ({@link ClusterNode}).
     */
    synchronized Arrival onMessage(String nodeId, long sequence, long nowNanos) {
        Node node = nodes.get(nodeId);
        Arrival arrival;
        if (node == null) {
            int origin = nextOrigin;
            nextOrigin = nextOrigin == trackerd.swarm.SwarmShard.MAX_ORIGIN ? 0 : nextOrigin + 1;
            node = new Node(nodeId, origin);
            nodes.put(nodeId, node);
            arrival = Arrival.FIRST;
        } else if (sequence == node.lastSequence + 1) {
            arrival = Arrival.IN_ORDER;
        } else if (sequence <= node.lastSequence) {
            lastOrigin = node.origin;
            node.lastHeardNanos = nowNanos;
            return Arrival.REPEAT; // a duplicate or reordered message: already applied or superseded
        } else {
            node.resyncNeeded = true;
            arrival = Arrival.GAP;
        }
        node.lastSequence = sequence;
        node.lastHeardNanos = nowNanos;
        lastOrigin = node.origin;
        return arrival;
    }

    /**
     * Whether a message of {@code sequence} says that a node we know began again: a new process
     * numbers its messages from 1 (after a kill -9 it sent no LEAVING), and a node reusing a
     * configured {@code node_id} would otherwise have its messages taken for repeats until its
     * sequence passed the old one. A known node's sequence 1 after more than one message can be
     * nothing else; the caller then forgets it ({@link #remove}) and hears it as a new node.
     */
    synchronized boolean restarted(String nodeId, long sequence) {
        Node node = nodes.get(nodeId);
        return node != null && sequence == 1 && node.lastSequence > 1;
    }

    /** The origin index of the last {@link #onMessage} (same thread, right after it). */
    synchronized int origin() {
        return lastOrigin;
    }

    /** Marks a node for resync (its message said it lost changes, or we could not apply one). */
    synchronized void markResync(String nodeId) {
        Node node = nodes.get(nodeId);
        if (node != null) node.resyncNeeded = true;
    }

    /** Nodes marked for resync, and unmarks them: the resync seam (see {@link ClusterNode}). */
    synchronized List<String> takeResyncs() {
        List<String> out = new ArrayList<>();
        for (Node node : nodes.values()) {
            if (node.resyncNeeded) {
                node.resyncNeeded = false;
                out.add(node.id);
            }
        }
        return out;
    }

    /** A node {@link #removeSilentSince} removed: its id (for the log) and origin index. */
    record Lost(String nodeId, int origin) {}

    /** Removes nodes silent since before {@code deadlineNanos}; returns them. */
    synchronized List<Lost> removeSilentSince(long deadlineNanos) {
        List<Lost> lost = new ArrayList<>();
        nodes.values().removeIf(node -> {
            if (node.lastHeardNanos - deadlineNanos < 0) {
                lost.add(new Lost(node.id, node.origin));
                return true;
            }
            return false;
        });
        return lost;
    }

    /** Forgets a node that said it is leaving; its origin index, or -1 if unknown. */
    synchronized int remove(String nodeId) {
        Node node = nodes.remove(nodeId);
        return node == null ? -1 : node.origin;
    }

    /** The origin index of node {@code nodeId}, or -1 (never heard, or lost). */
    synchronized int originOf(String nodeId) {
        Node node = nodes.get(nodeId);
        return node == null ? -1 : node.origin;
    }

    /** The id of the node that has origin index {@code origin} now, or null (never heard, or lost). */
    synchronized String nodeIdOf(int origin) {
        for (Node node : nodes.values()) {
            if (node.origin == origin) return node.id;
        }
        return null;
    }

    /** The last sequence number heard from a node (0 if none). */
    synchronized long lastSequence(String nodeId) {
        Node node = nodes.get(nodeId);
        return node == null ? 0 : node.lastSequence;
    }

    synchronized int size() {
        return nodes.size();
    }
}
