package trackerd.http.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;

/**
 * Where an {@code Upgrade: websocket} request on an HTTP address goes: the WebTorrent front end
 * implements it and the daemon passes it to {@link HttpFrontEnd#start}; without one such a
 * request gets a 400 ("websocket not enabled").
 *
 * <p>The HTTP handler calls {@link #open} on the event loop when the upgrade request is the only
 * one in flight on its connection. The door adds its handlers to the pipeline after {@code http}
 * (for example {@code http.pipeline().addAfter(http.name(), ...)}); the HTTP handler then fires
 * {@code request} (the raw head of the upgrade request and every byte after it, which the door's
 * first handler parses to answer the handshake) to the next handler and removes itself. From
 * then on the connection is the door's; it still counts towards {@code http.max_connections}
 * until it closes.
 */
public interface WebSocketDoor {
    /**
     * Installs the WebSocket handlers after {@code http}. Must not read or release {@code request}:
     * it is fired to those handlers right after this returns.
     */
    void open(ChannelHandlerContext http, ByteBuf request);
}
