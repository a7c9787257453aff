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

    /** One with a free port, not started yet: {@link #restart} starts it (Redis down at first). */
    public static RedisServer notStarted(Path dir) throws IOException {
        return new RedisServer(freePort(), dir, List.of());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress("127.0.0.1", 0));
            return s.getLocalPort();
        }
    }

    /**
     * A free port whose cluster bus port (port + 10000) is a port too, and free: an ephemeral port
     * above 55535 (a third of Linux's default range) would make a cluster node fail to start.
     */
    static int freeClusterPort() throws IOException {
        for (int attempt = 0; attempt < 100; attempt++) {
            int port = freePort();
            if (port + 10_000 > 65_535) continue;
            try (ServerSocket bus = new ServerSocket()) {
                bus.bind(new InetSocketAddress("127.0.0.1", port + 10_000));
                return port;
            } catch (IOException busy) {
                // that bus port is taken: another
            }
        }
        throw new IOException("no free port pair (P, P + 10000) for a Redis Cluster node");
    }

    private void launch() throws IOException {
        Path own = java.nio.file.Files.createDirectories(dir.resolve("redis-" + port)); // cluster config lives here
        List<String> command = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
            "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", own.toString()));
        command.addAll(extra);
        process = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(own.resolve("redis.log").toFile()).start();
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

    /**
     * Three masters made one Redis Cluster with {@code redis-cli --cluster create} (no replicas),
     * returned once every node reports {@code cluster_state:ok}.
     */
    public static List<RedisServer> startCluster(Path dir) throws IOException, InterruptedException {
        List<RedisServer> masters = new ArrayList<>();
        List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
        for (int i = 0; i < 3; i++) {
            RedisServer server;
            try {
                server = new RedisServer(freeClusterPort(), dir, List.of("--cluster-enabled", "yes",
                    "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000"));
                server.launch();
            } catch (IOException e) { // e.g. a busy machine took the port or its cluster bus port (+10000)
                for (RedisServer started : masters) started.close(); // else they outlive the test JVM
                throw e;
            }
            masters.add(server);
            create.add("127.0.0.1:" + server.port());
        }
        create.addAll(List.of("--cluster-replicas", "0", "--cluster-yes"));
        Process cli = new ProcessBuilder(create).redirectErrorStream(true).start();
        String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!cli.waitFor(30, TimeUnit.SECONDS) || cli.exitValue() != 0) {
            throw new IOException("redis-cli --cluster create failed:\n" + out);
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        for (RedisServer server : masters) {
            while (!server.clusterOk()) {
                if (System.nanoTime() - deadline > 0) throw new IOException("cluster not ok:\n" + out);
                Thread.sleep(50); // polling, bounded by the deadline
            }
        }
        return masters;
    }

    private boolean clusterOk() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            socket.setSoTimeout(2_000);
            socket.getOutputStream().write("CLUSTER INFO\r\n".getBytes(StandardCharsets.US_ASCII));
            byte[] buffer = new byte[4096];
            int n = socket.getInputStream().read(buffer);
            return n > 0 && new String(buffer, 0, n, StandardCharsets.US_ASCII).contains("cluster_state:ok");
        } catch (IOException e) {
            return false;
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
