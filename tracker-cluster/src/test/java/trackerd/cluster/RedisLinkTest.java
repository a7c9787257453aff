package trackerd.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@link RedisLink} against a real redis-server: the protocol its connections speak, a message round trip. */
@Timeout(30)
class RedisLinkTest {
    @TempDir
    Path dir;

    /**
     * Both connections speak RESP2 (issue 14's per-message cost: under RESP3 Lettuce decodes every
     * pub/sub message twice), and a published message still arrives, byte for byte.
     */
    @Test
    void connectionsSpeakResp2AndMessagesArrive() throws Exception {
        try (RedisServer redis = RedisServer.start(dir);
             RedisLink link = new RedisLink(List.of("redis://127.0.0.1:" + redis.port()))) {
            CompletableFuture<byte[]> received = new CompletableFuture<>();
            link.connect(received::complete);

            String clients = clientList(redis.port());
            List<String> ours = Arrays.stream(clients.split("\n"))
                .filter(line -> !line.contains("cmd=client|list")).filter(line -> !line.isBlank()).toList();
            assertEquals(2, ours.size(), clients);
            assertEquals(1, ours.stream().filter(line -> line.contains(" sub=1 ")).count(), clients);
            assertTrue(ours.stream().allMatch(line -> line.matches(".* resp=2( .*)?")), clients);

            byte[] message = {1, 0, 1, 'x', 0, 0, 0, 0, 0, 0, 0, 7, 0, 0};
            assertEquals(1L, link.publish(message).toCompletableFuture().get(5, TimeUnit.SECONDS));
            assertTrue(Arrays.equals(message, received.get(5, TimeUnit.SECONDS)));
        }
    }

    /** {@code CLIENT LIST}'s whole bulk reply, over a socket of its own (RESP2: one bulk string). */
    private static String clientList(int port) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            socket.setSoTimeout(2_000);
            socket.getOutputStream().write("CLIENT LIST\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream header = new ByteArrayOutputStream();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) throw new IOException("closed");
                if (c != '\r') header.write(c);
            }
            String first = header.toString(StandardCharsets.US_ASCII);
            if (!first.startsWith("$")) throw new IOException("not a bulk reply: " + first);
            return new String(in.readNBytes(Integer.parseInt(first.substring(1))), StandardCharsets.US_ASCII);
        }
    }
}
