package trackerd.http.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

/**
 * One event loop's buffer for answers written in place: a plain-HTTP connection over epoll whose
 * earlier answers are all out, with nothing queued in its channel, has its next answers encoded
 * straight into this buffer and sent with one {@code send(2)} when it is flushed, at the end of the
 * read or swarm batch. That saves, per answer, a pooled buffer (allocate, reference count, release)
 * and the channel's write path (pipeline pass, {@code ChannelOutboundBuffer} entry, pending-bytes
 * accounting, flush). What the socket does not take is copied into a pooled buffer and written
 * through the channel as before, which waits for EPOLLOUT; TLS and NIO connections never come here.
 *
 * <p>One connection owns the buffer at a time, from its first answer written here until it is
 * flushed, closed or hands the buffer over: every answer of the owner, in place or not, goes into
 * the buffer in order ({@link #append}) until then. A connection that wants the buffer while another
 * owns it sends the other's bytes first ({@link #claim}), so the buffer is empty between event-loop
 * tasks and no answer waits for another connection's batch.
 *
 * <p>{@value #CAPACITY} bytes, allocated once per loop; a longer answer (a full scrape, a huge numwant)
 * takes the pooled path. Only on its loop's thread.
 */
final class HttpSendBuffer {
    /** Far above an announce answer (numwant 200 over IPv6 is under 4 KiB) or a scrape of 64 hashes. */
    static final int CAPACITY = 64 * 1024;

    /** Wraps JDK memory that the collector frees with this object: no release, no leak to track. */
    private final ByteBuf buffer = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(CAPACITY)).clear();
    private final long address = buffer.memoryAddress();
    private HttpConnection owner;
    private Socket ownerSocket;
    /** Where the answer being written in place begins. */
    private int answerStart;
    /** Tests: at most this many bytes per send(2), so that the channel writes the rest. */
    private int sendLimitBytes = Integer.MAX_VALUE;
    /** send(2) calls so far, and those the socket did not take whole (tests). */
    private long sends;
    private long partialSends;

    /** Whether this JVM gives direct buffers an address (sun.misc.Unsafe); else nothing is written in place. */
    static boolean isAvailable() {
        return Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(1)).hasMemoryAddress();
    }

    /**
     * The buffer to encode the next answer of {@code connection} into, {@code length} bytes from
     * its writer index; null when the answer must take a pooled buffer (too long, or the
     * connection has bytes queued in its channel). Sends another owner's bytes first.
     *
     * @param socket the connection's descriptor, for the send at its flush
     */
    ByteBuf claim(HttpConnection connection, Socket socket, int length) {
        if (owner != connection) {
            if (length > CAPACITY || !connection.nothingQueued()) return null;
            if (owner != null) owner.sendOwned();
            owner = connection;
            ownerSocket = socket;
        } else if (buffer.writableBytes() < length) {
            connection.sendOwned(); // gives the buffer up; the channel may hold the rest now
            return claim(connection, socket, length);
        }
        answerStart = buffer.writerIndex();
        return buffer;
    }

    /** Whether {@code out} is this buffer (an answer written in place). */
    boolean isBuffer(ByteBuf out) {
        return out == buffer;
    }

    /** Bytes of the answer just written in place. */
    int answerLength() {
        return buffer.writerIndex() - answerStart;
    }

    boolean ownedBy(HttpConnection connection) {
        return owner == connection;
    }

    /**
     * Appends an answer of the owner that was not written in place (an answer that waited in the
     * ring) and releases it; false, taking nothing, when it does not fit.
     */
    boolean append(ByteBuf out) {
        if (buffer.writableBytes() < out.readableBytes()) return false;
        buffer.writeBytes(out);
        out.release();
        return true;
    }

    /**
     * Sends the owner's bytes with one {@code send(2)} and gives the buffer up.
     *
     * @return the bytes the socket did not take: 0 when all went (the buffer is given up), else
     *     the caller takes them with {@link #rest}
     * @throws IOException the connection is broken (reset, broken pipe); the buffer is given up
     */
    int send() throws IOException {
        int length = buffer.writerIndex();
        int sent;
        try {
            // a descriptor closed without the owner disowning (a bug path closing the channel in a
            // read) may already be another connection's number: never send to it
            if (!ownerSocket.isOpen()) throw new ClosedChannelException();
            sent = ownerSocket.sendAddress(address, 0, Math.min(length, sendLimitBytes)); // 0 on EAGAIN
        } catch (IOException e) {
            disown();
            throw e;
        }
        sends++;
        if (sent == length) {
            disown();
            return 0;
        }
        partialSends++;
        buffer.readerIndex(sent);
        return length - sent;
    }

    /** What {@link #send} left, copied into {@code into}; then the buffer is given up. */
    void rest(ByteBuf into) {
        into.writeBytes(buffer);
        disown();
    }

    /** Empties the buffer and gives it up (after a send, or when the owner closed). */
    void disown() {
        buffer.clear();
        owner = null;
        ownerSocket = null;
    }

    void limitSendsForTests(int bytes) {
        sendLimitBytes = bytes;
    }

    long sends() {
        return sends;
    }

    long partialSends() {
        return partialSends;
    }
}
