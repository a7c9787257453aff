package trackerd.udp.server;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;

/** A plain BEP 15 client over a JDK socket, for integration tests. */
final class UdpTestClient implements AutoCloseable {
    final DatagramSocket socket;
    final InetSocketAddress tracker;
    long connectionId;
    private int nextTransaction = 1;

    UdpTestClient(InetSocketAddress tracker) throws IOException {
        this.tracker = tracker;
        socket = new DatagramSocket(new InetSocketAddress(tracker.getAddress(), 0));
        socket.setSoTimeout(5_000);
    }

    void send(ByteBuffer packet) throws IOException {
        socket.send(new DatagramPacket(packet.array(), packet.position(), tracker));
    }

    ByteBuffer receive() throws IOException {
        byte[] buffer = new byte[4096];
        DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
        socket.receive(packet);
        return ByteBuffer.wrap(buffer, 0, packet.getLength()).slice();
    }

    /** The next reply, or null if none comes within the socket timeout. */
    ByteBuffer receiveOrNull() throws IOException {
        try {
            return receive();
        } catch (SocketTimeoutException e) {
            return null;
        }
    }

    int connect() throws IOException {
        int tid = nextTransaction++;
        send(ByteBuffer.allocate(16).putLong(0x41727101980L).putInt(0).putInt(tid));
        ByteBuffer reply = receive();
        if (reply.getInt(0) != 0 || reply.getInt(4) != tid || reply.remaining() != 16) {
            throw new AssertionError("bad connect reply");
        }
        connectionId = reply.getLong(8);
        return tid;
    }

    static ByteBuffer announce(long connectionId, int tid, byte[] infoHash, int event, long left, int ip,
                               int numwant, int port) {
        return ByteBuffer.allocate(98).putLong(connectionId).putInt(1).putInt(tid).put(infoHash).put(new byte[20])
            .putLong(0).putLong(left).putLong(0).putInt(event).putInt(ip).putInt(0).putInt(numwant)
            .putShort((short) port);
    }

    ByteBuffer announce(byte[] infoHash, int event, long left, int port) throws IOException {
        send(announce(connectionId, nextTransaction++, infoHash, event, left, 0, -1, port));
        return receive();
    }

    ByteBuffer scrape(byte[]... hashes) throws IOException {
        ByteBuffer packet = ByteBuffer.allocate(16 + 20 * hashes.length).putLong(connectionId).putInt(2)
            .putInt(nextTransaction++);
        for (byte[] hash : hashes) packet.put(hash);
        send(packet);
        return receive();
    }

    @Override
    public void close() {
        socket.close();
    }
}
