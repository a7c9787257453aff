package trackerd.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (Debian's) on a free loopback port, no persistence, for tests.
 * {@link #kill} and {@link #restart} (same port) simulate an outage. Every wait is bounded.
 */
public final class RedisServer implements AutoCloseable {
    private final int port;
    private final List<String> extra;
    private final Path dir;
    private Process process;

    private RedisServer(int port, Path dir, List<String> extra) {
        this.port = port;
        this.dir = dir;
        this.extra = List.copyOf(extra);
    }

    /** Starts one on a free port, working directory {@code dir}; waits until it answers PING. */
    public static RedisServer start(Path dir, String... extra) throws IOException {
        RedisServer server = new RedisServer(freePort(), dir, List.of(extra));
        server.launch();
        return server;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    private void launch() throws IOException {
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()));
        command.addAll(extra);
        process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(dir.resolve("redis-" + port + ".log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!"+PONG".equals(command("PING"))) {
            if (System.nanoTime() - deadline > 0 || !process.isAlive()) {
                throw new IOException("redis-server on port " + port + " did not start");
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(20); // polling a starting process, bounded by the deadline
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
    }

    /** One inline command over a fresh socket; its first reply line, or null when unreachable. */
    public String command(String line) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            socket.setSoTimeout(2_000);
            OutputStream out = socket.getOutputStream();
            out.write((line + "\r\n").getBytes(StandardCharsets.UTF_8));
            InputStream in = socket.getInputStream();
            StringBuilder reply = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0 && c != '\r') reply.append((char) c);
            return reply.toString();
        } catch (IOException e) {
            return null;
        }
    }

    public int port() {
        return port;
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    /** kill -9. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    /** Starts again on the same port (after {@link #kill}). */
    public void restart() throws IOException {
        launch();
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null) kill();
    }
}
