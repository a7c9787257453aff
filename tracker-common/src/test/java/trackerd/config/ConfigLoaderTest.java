package trackerd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
    @TempDir
    Path dir;

    /** Under systemd the working directory is /: a relative list path pointed there. */
    @Test
    void relativeAccessListPathShouldResolveAgainstTheConfigFilesDirectory() throws Exception {
        Path etc = Files.createDirectories(dir.resolve("etc"));
        Files.writeString(etc.resolve("allow.txt"), "0123456789abcdef0123456789abcdef01234567\n");
        Path file = etc.resolve("tracker.toml");
        Files.writeString(file, "[access_list]\nmode = \"allow\"\npath = \"allow.txt\"\n");
        TrackerConfig config = ConfigLoader.load(file, List.of());
        assertEquals(etc.toAbsolutePath().resolve("allow.txt"), config.accessList().path());
        Path absolute = dir.resolve("elsewhere.txt").toAbsolutePath();
        Files.writeString(absolute, "");
        assertEquals(absolute, ConfigLoader.load(file, List.of("access_list.path=\"" + absolute + "\"")).accessList().path());
    }

    @Test
    void printedDefaultsShouldParseBackToTheDefaults() throws Exception {
        String printed = TrackerSchema.SCHEMA.defaultToml();
        assertEquals(ConfigLoader.defaults(), ConfigLoader.loadString(printed, List.of()));
    }

    @Test
    void sampleConfigFileShouldBeThePrintedDefaults() throws IOException {
        assertEquals(TrackerSchema.SCHEMA.defaultToml(), Files.readString(Path.of("..", "config", "tracker.toml")),
            "regenerate it: java -jar tracker-server/target/tracker.jar --print-config > config/tracker.toml");
    }

    @Test
    void printedDefaultsShouldCommentEveryKey() {
        String printed = TrackerSchema.SCHEMA.defaultToml();
        for (ConfigKey key : TrackerSchema.SCHEMA.keys()) {
            String line = key.name() + " = " + key.defaultToml();
            int table = printed.indexOf("\n[" + key.table() + "]\n");
            int at = printed.indexOf("\n" + line + "\n", table);
            assertTrue(table > 0, "missing table of " + key.path());
            assertTrue(at > 0, "missing " + key.path());
            assertTrue(printed.substring(0, at).endsWith(key.comment().lines().reduce((a, b) -> b).orElseThrow()),
                "comment right above " + key.path());
        }
    }

    @Test
    void defaultsShouldListenOnEveryFamilyAndKeepMetricsOnLoopback() {
        TrackerConfig config = ConfigLoader.defaults();
        assertEquals(List.of(new InetSocketAddress("0.0.0.0", 6969), new InetSocketAddress("::", 6969)),
            config.udp().listen());
        assertEquals(config.udp().listen(), config.http().listen());
        assertTrue(config.ws().enabled());
        assertEquals(new InetSocketAddress("127.0.0.1", 9969), config.metrics().listen());
        assertEquals(AccessMode.OFF, config.accessList().mode());
    }

    @Test
    void shouldRejectUnknownKeyWithItsFullPath() {
        assertError("udp.listn", "unknown key", "[udp]\nlistn = []\n");
        assertError("nonsense", "unknown key", "nonsense = 1\n");
        assertError("http.tls.cert", "unknown key", "[http.tls]\ncert = \"x\"\n");
    }

    @Test
    void shouldRejectPortOutOfRange() {
        assertError("udp.listen", "out of range", "[udp]\nlisten = [\"0.0.0.0:70000\"]\n");
    }

    @Test
    void shouldRejectNegativeCounts() {
        assertError("swarm.max_response_peers", "between 0 and 1000", "[swarm]\nmax_response_peers = -1\n");
        assertError("limits.max_torrents", "between 0", "[limits]\nmax_torrents = -1\n");
    }

    @Test
    void shouldRejectUnparsableAddresses() {
        assertError("udp.listen", "not IP:PORT", "[udp]\nlisten = [\"6969\"]\n");
        assertError("metrics.listen", "not an IP literal", "[metrics]\nlisten = \"example.com:80\"\n");
        assertError("http.proxy.trusted", "prefix length", "[http.proxy]\ntrusted = [\"10.0.0.0/40\"]\n");
    }

    @Test
    void shouldRejectWrongTypes() {
        assertError("udp.enabled", "expected true or false", "[udp]\nenabled = \"yes\"\n");
        assertError("log.level", "expected one of", "[log]\nlevel = \"loud\"\n");
        assertError("udp", "must be a table", "udp = 1\n");
    }

    @Test
    void shouldRejectMissingFiles() {
        assertError("access_list.path", "does not exist",
            "[access_list]\nmode = \"allow\"\npath = \"" + dir.resolve("absent.txt") + "\"\n");
        assertError("access_list.path", "must be set", "[access_list]\nmode = \"deny\"\n");
        assertError("http.tls.cert_path", "must be set", "[http.tls]\nlisten = [\"127.0.0.1:0\"]\n");
    }

    @Test
    void shouldRejectContradictoryIntervals() {
        assertError("swarm.min_announce_interval_seconds", "must not exceed",
            "[swarm]\nannounce_interval_seconds = 100\nmin_announce_interval_seconds = 200\npeer_timeout_seconds = 300\n");
        assertError("swarm.peer_timeout_seconds", "longer than", "[swarm]\npeer_timeout_seconds = 1800\n");
    }

    @Test
    void shouldRejectSyntaxErrors() {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.loadString("[udp\n", List.of()));
        assertTrue(e.getMessage().contains("not valid TOML"), e.getMessage());
    }

    @Test
    void setShouldWinOverTheFile() throws Exception {
        Path file = write("[udp]\nlisten = [\"127.0.0.1:7000\"]\n[swarm]\ndefault_numwant = 10\n");
        TrackerConfig config = ConfigLoader.load(file, List.of("udp.listen=[\"127.0.0.1:7001\"]", "log.level=\"debug\""));
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", 7001)), config.udp().listen());
        assertEquals(10, config.swarm().defaultNumwant());
        assertEquals("debug", config.log().level());
    }

    @Test
    void setShouldBeValidatedLikeTheFile() {
        assertSetError("udp.nope=1", "udp.nope", "unknown key");
        assertSetError("udp.enabled=maybe", "udp.enabled", "not a TOML value");
        assertSetError("swarm.default_numwant=-5", "swarm.default_numwant", "between");
        assertSetError("no-equals-sign", "--set", "expected KEY=VALUE");
        assertSetError("workers.swarm_workers=0", "workers.swarm_workers", "needs workers.socket_workers = 1");
    }

    @Test
    void inlineSwarmShouldNeedExactlyOneSocketWorker() throws Exception {
        TrackerConfig config = ConfigLoader.load(null, List.of("workers.swarm_workers=0", "workers.socket_workers=1"));
        assertEquals(0, config.workers().swarmWorkers());
        assertError("workers.swarm_workers", "needs workers.socket_workers = 1",
            "[workers]\nswarm_workers = 0\nsocket_workers = 2\n");
    }

    @Test
    void shouldNameTheFileItCannotRead() {
        ConfigException e = assertThrows(ConfigException.class,
            () -> ConfigLoader.load(dir.resolve("missing.toml"), List.of()));
        assertEquals("--config", e.key());
    }

    private void assertError(String key, String reason, String toml) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(write(toml), List.of()));
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    private void assertSetError(String set, String key, String reason) {
        ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(null, List.of(set)));
        assertEquals(key, e.key(), e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }

    private Path write(String toml) throws IOException {
        Path file = Files.createTempFile(dir, "tracker", ".toml");
        Files.writeString(file, toml);
        return file;
    }
}
