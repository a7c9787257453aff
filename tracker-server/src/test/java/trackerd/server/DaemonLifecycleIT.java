package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import trackerd.config.ConfigLoader;

@Timeout(60)
class DaemonLifecycleIT {
    @TempDir
    Path dir;

    @Test
    void shouldStartOnEphemeralPortsAndExitZeroOnSigterm() throws Exception {
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback()) {
            assertTrue(tracker.port("metrics") > 0);
            tracker.signal("TERM");
            assertEquals(0, tracker.waitForExit(Duration.ofSeconds(15)), tracker.output());
            tracker.await(Pattern.compile("SIGTERM received: stopping"), Duration.ofSeconds(1));
            tracker.await(Pattern.compile("stopped"), Duration.ofSeconds(1));
        }
    }

    @Test
    void shouldExitZeroOnSigintAndSayWhy() throws Exception {
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback()) {
            tracker.signal("INT");
            assertEquals(0, tracker.waitForExit(Duration.ofSeconds(15)), tracker.output());
            tracker.await(Pattern.compile("SIGINT received: stopping"), Duration.ofSeconds(1));
        }
    }

    /** opentracker's reload signal: it used to end the tracker with exit 129 and no log line. */
    @Test
    void sighupShouldReloadTheAccessListAndKeepServing() throws Exception {
        Path list = dir.resolve("allowed.txt");
        String a = "0123456789abcdef0123456789abcdef01234567";
        Files.writeString(list, a + "\n");
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback(
                "--set", "access_list.mode=\"allow\"", "--set", "access_list.path=\"" + list + "\"")) {
            tracker.signal("HUP");
            tracker.await(Pattern.compile("SIGHUP: reloading the access list from " + Pattern.quote(list.toString())),
                Duration.ofSeconds(10));
            tracker.await(Pattern.compile("access list reloaded: 1 info hashes"), Duration.ofSeconds(10));
            tracker.signal("HUP"); // still alive: a second one is handled too
            tracker.await(Pattern.compile("SIGHUP: reloading"), 2, Duration.ofSeconds(10));
            tracker.signal("TERM");
            assertEquals(0, tracker.waitForExit(Duration.ofSeconds(15)), tracker.output());
        }
    }

    @Test
    void sighupWithTheAccessListOffShouldSaySoAndKeepServing() throws Exception {
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback()) {
            tracker.signal("HUP");
            tracker.await(Pattern.compile("SIGHUP: reload requested; access list is off"), Duration.ofSeconds(10));
            tracker.signal("TERM");
            assertEquals(0, tracker.waitForExit(Duration.ofSeconds(15)), tracker.output());
        }
    }

    @Test
    void sigalrmShouldStopWithItsDefaultExitCodeAndNameTheSignal() throws Exception {
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback()) {
            tracker.signal("ALRM");
            assertEquals(128 + 14, tracker.waitForExit(Duration.ofSeconds(15)), tracker.output());
            tracker.await(Pattern.compile("SIGALRM received: .*stopping with exit 142"), Duration.ofSeconds(1));
        }
    }

    @Test
    void printedConfigShouldPassCheckConfigAndParseToDefaults() throws Exception {
        Path file = dir.resolve("tracker.toml");
        try (TrackerProcess print = TrackerProcess.start("--print-config")) {
            assertEquals(0, print.waitForExit(Duration.ofSeconds(20)));
            Files.writeString(file, print.output() + "\n");
        }
        assertEquals(ConfigLoader.defaults(), ConfigLoader.load(file, List.of()));
        try (TrackerProcess check = TrackerProcess.start("--check-config", file.toString())) {
            assertEquals(0, check.waitForExit(Duration.ofSeconds(20)), check.output());
        }
    }

    @Test
    void configErrorShouldExitTwoWithOneLineNamingTheKey() throws Exception {
        Path file = dir.resolve("bad.toml");
        Files.writeString(file, "[udp]\nlisten = [\"0.0.0.0:99999\"]\n");
        assertConfigError(List.of("--config", file.toString()), "udp.listen: port 99999");
        assertConfigError(List.of("--check-config", file.toString()), "udp.listen: port 99999");
        assertConfigError(List.of("--set", "swarm.colour=1"), "swarm.colour: unknown key");
        assertConfigError(List.of("--bogus"), "unknown argument");
    }

    private void assertConfigError(List<String> args, String message) throws Exception {
        try (TrackerProcess tracker = TrackerProcess.start(args)) {
            assertEquals(2, tracker.waitForExit(Duration.ofSeconds(20)), tracker.output());
            assertEquals(1, tracker.lines().size(), tracker.output());
            assertTrue(tracker.lines().get(0).startsWith("tracker: "), tracker.output());
            assertTrue(tracker.output().contains(message), tracker.output());
        }
    }

    @Test
    void addressInUseShouldExitNonZeroWithAClearMessage() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            List<String> args = List.of("--set", "udp.enabled=false", "--set", "http.enabled=false",
                "--set", "metrics.listen=\"127.0.0.1:" + taken.getLocalPort() + "\"");
            try (TrackerProcess tracker = TrackerProcess.start(args)) {
                assertEquals(1, tracker.waitForExit(Duration.ofSeconds(20)), tracker.output());
                assertTrue(tracker.output().contains("cannot listen on metrics 127.0.0.1:" + taken.getLocalPort()),
                    tracker.output());
            }
        }
    }

    @Test
    void secondTrackerOnTheSameUdpPortShouldExitOneNotShareThePort() throws Exception {
        try (TrackerProcess first = TrackerProcess.startOnLoopback("--set", "udp.listen=[\"127.0.0.1:0\"]")) {
            int port = first.port("udp");
            List<String> args = List.of("--set", "udp.listen=[\"127.0.0.1:" + port + "\"]", "--set", "http.enabled=false",
                "--set", "metrics.enabled=false");
            try (TrackerProcess second = TrackerProcess.start(args)) {
                assertEquals(1, second.waitForExit(Duration.ofSeconds(20)), second.output());
                assertTrue(second.output().contains("cannot listen on udp 127.0.0.1:" + port), second.output());
            }
        }
    }

    @Test
    void versionAndHelpShouldExitZero() throws Exception {
        try (TrackerProcess version = TrackerProcess.start("--version")) {
            assertEquals(0, version.waitForExit(Duration.ofSeconds(20)));
            assertTrue(version.output().matches("trackerd \\d+\\.\\d+\\.\\d+.*"), version.output());
        }
        try (TrackerProcess help = TrackerProcess.start("--help")) {
            assertEquals(0, help.waitForExit(Duration.ofSeconds(20)));
            assertTrue(help.output().contains("--print-config"));
        }
    }
}
