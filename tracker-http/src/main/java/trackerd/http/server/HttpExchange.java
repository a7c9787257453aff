package trackerd.http.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import trackerd.swarm.SwarmRequest;

/**
 * Where {@link HttpRequests} sends the answers of one connection: a connection with a Netty
 * channel ({@link HttpConnection}: pipelining, keep-alive, an answer ring), or one answered straight
 * on its descriptor ({@link HttpDirectAccept}: one request, then close). Answers are identified by
 * a sequence number the exchange hands out; an answer may come back later from the swarm, through
 * {@link HttpLoop#onResponse}.
 *
 * <p>Only on the connection's event loop.
 */
interface HttpExchange {
    /** The TCP peer: IPv6 (else IPv4), and its address in {@code SwarmRequest}'s form. */
    boolean peerIpv6();

    long peer0();

    long peer1();

    /** The TCP peer is in {@code http.proxy.trusted} (and a proxy header is configured). */
    boolean peerIsTrustedProxy();

    /** For answers that are not one buffer (a full scrape's head and its shared body). */
    ByteBufAllocator alloc();

    /**
     * Where to write the answer {@code seq}: exactly {@code length} bytes from the buffer's writer
     * index, then handed back through {@link #complete}. A pooled buffer of that size, or for a
     * connection whose earlier answers are out, the loop's {@link HttpSendBuffer}.
     */
    ByteBuf answerBuffer(long seq, int length);

    /**
     * The sequence number of the next answer.
     *
     * @param swarm the swarm request that will carry it (submitted right after), or null when the
     *     answer is given now
     */
    long takeSeq(SwarmRequest swarm);

    /** The answer with sequence number {@code seq}; the exchange owns {@code out} from now on. */
    void complete(long seq, ByteBuf out);

    /** Whether the answer {@code seq} has nobody to go to any more (the connection closed). */
    boolean closed(long seq);
}
