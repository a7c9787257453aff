package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real BitTorrent clients through the daemon's HTTP(S) tracker, each pair finding each other only
 * through it (DHT, local discovery, PEX, UPnP and NAT-PMP off), transferring 8 MiB that must hash
 * the same, then the scrape counts: libtorrent 2.0 (python3-libtorrent) over {@code http://} on
 * IPv4 and IPv6 and over {@code https://} on both, a mixed swarm (seeder on {@code udp://},
 * leecher on {@code http://}), aria2 1.36, and Transmission 3.00 inside a network namespace.
 *
 * <p>HTTPS trust: the test makes a CA and a leaf certificate for {@code IP:127.0.0.1, IP:::1}
 * with the openssl CLI; libtorrent verifies tracker certificates ({@code validate_https_trackers},
 * on by default) against OpenSSL's default trust store, which {@code SSL_CERT_FILE=ca.pem} in the
 * peers' environment replaces. A peer without it fails with "certificate verify failed".
 */
@Timeout(240)
class HttpRealClientsIT {
    static final Path CLIENT_SCRIPT = Path.of("src", "test", "resources", "e2e", "http_client_transfer.py");

    @TempDir
    Path dir;

    @Test
    void libtorrentShouldTransferThroughHttpOnIpv4AndIpv6AndInAMixedUdpHttpSwarm() throws Exception {
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback(
                "--set", "http.listen=[\"127.0.0.1:0\", \"[::1]:0\"]")) {
            int http4 = port(tracker, "http", "127\\.0\\.0\\.1");
            int http6 = port(tracker, "http", "\\[::1\\]");
            int udp4 = port(tracker, "udp", "127\\.0\\.0\\.1");
            LibtorrentUdpIT.assertTransfer(List.of(), Map.of(), "http://127.0.0.1:" + http4 + "/announce",
                "127.0.0.1", "127.0.0.1", null, dir.resolve("v4"));
            LibtorrentUdpIT.assertTransfer(List.of(), Map.of(), "http://[::1]:" + http6 + "/announce",
                "::1", "::1", null, dir.resolve("v6"));
            // one info hash, the seeder announcing over UDP only and the leecher over HTTP only:
            // the leecher can only have got the seeder from the swarm both share
            LibtorrentUdpIT.assertTransfer(List.of(), Map.of(), "udp://127.0.0.1:" + udp4 + "/announce",
                "127.0.0.1", "127.0.0.1", "http://127.0.0.1:" + http4 + "/announce", dir.resolve("mixed"));
        }
    }

    @Test
    void libtorrentShouldTransferThroughHttpsTrustingATestCaOnIpv4AndIpv6() throws Exception {
        Path ca = dir.resolve("ca.pem");
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        makeCaAndLeaf(ca, cert, key);
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback(
                "--set", "http.tls.listen=[\"127.0.0.1:0\", \"[::1]:0\"]",
                "--set", "http.tls.cert_path=\"" + cert + "\"", "--set", "http.tls.key_path=\"" + key + "\"")) {
            int https4 = port(tracker, "https", "127\\.0\\.0\\.1");
            int https6 = port(tracker, "https", "\\[::1\\]");
            Map<String, String> trust = Map.of("SSL_CERT_FILE", ca.toString());
            LibtorrentUdpIT.assertTransfer(List.of(), trust, "https://127.0.0.1:" + https4 + "/announce",
                "127.0.0.1", "127.0.0.1", null, dir.resolve("v4"));
            LibtorrentUdpIT.assertTransfer(List.of(), trust, "https://[::1]:" + https6 + "/announce",
                "::1", "::1", null, dir.resolve("v6"));
        }
    }

    @Test
    void aria2ShouldTransferThroughHttp() throws Exception {
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback()) {
            int http = port(tracker, "http", "127\\.0\\.0\\.1");
            assertClientTransfer(List.of(), "aria2", "http://127.0.0.1:" + http + "/announce",
                "127.0.0.1", "127.0.0.1", tracker);
        }
    }

    /** Transmission ignores loopback peers: the daemon and both peers run in a namespace of their own. */
    @Test
    void transmissionShouldTransferThroughHttpInsideANetworkNamespace() throws Exception {
        try (NetworkNamespace ns = NetworkNamespace.create("198.18.0.1", "198.18.0.2");
             TrackerProcess tracker = TrackerProcess.startWith(ns.command(), List.of(), List.of(
                 "--set", "udp.listen=[\"127.0.0.1:0\"]", "--set", "http.listen=[\"198.18.0.1:0\"]",
                 "--set", "metrics.listen=\"127.0.0.1:0\""))) {
            int http = port(tracker, "http", "198\\.18\\.0\\.1");
            assertClientTransfer(ns.command(), "transmission", "http://198.18.0.1:" + http + "/announce",
                "198.18.0.1", "198.18.0.2", tracker);
        }
    }

    private static int port(TrackerProcess tracker, String scheme, String ip) {
        Matcher m = tracker.await(Pattern.compile("listening " + scheme + " " + ip + ":(\\d+)"), Duration.ofSeconds(10));
        return Integer.parseInt(m.group(1));
    }

    /** Runs http_client_transfer.py: the seeder is counted by a scrape before the leecher starts. */
    private void assertClientTransfer(List<String> launcher, String client, String url, String seedIp,
                                      String leechIp, TrackerProcess tracker) throws Exception {
        Path work = Files.createDirectories(dir.resolve(client));
        List<String> command = new ArrayList<>(launcher);
        command.addAll(List.of("/usr/bin/python3", CLIENT_SCRIPT.toString(), client, url, seedIp, leechIp,
            work.toString()));
        Process python = new ProcessBuilder(command).redirectErrorStream(true).start();
        assertTrue(python.waitFor(150, TimeUnit.SECONDS), client + " run did not end");
        String out = new String(python.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, python.exitValue(), out);
        String result = out.strip().lines().reduce((a, b) -> b).orElse("");
        if (!result.contains("\"crashes\": 0")) {
            System.out.println(client + " crashed and was run again:\n" + out); // kept in the CI log
        }
        assertTrue(result.contains("\"seed_announced\": true"), "a scrape counted the seeder: " + out);
        assertTrue(result.contains("\"same_hash\": true"), "file arrived intact: " + out
            + "\ntracker:\n" + tracker.output());
        assertTrue(result.contains("\"scrape\": [2, 0, 1]"),
            "scrape after the transfer: two seeders, no leecher, one download: " + out);
    }

    /**
     * A CA (ECDSA P-256) and a leaf it signs for {@code IP:127.0.0.1, IP:::1, DNS:localhost} (a client
     * checks the address it dialled against the subject alternative names). The key is PKCS#8 PEM,
     * as {@code http.tls.key_path} wants.
     */
    static void makeCaAndLeaf(Path ca, Path cert, Path key) throws IOException, InterruptedException {
        Path caKey = ca.resolveSibling("ca-key.pem");
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", caKey.toString(), "-out", ca.toString(), "-days", "2", "-subj", "/CN=trackerd test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign");
        openssl("req", "-x509", "-CA", ca.toString(), "-CAkey", caKey.toString(), "-newkey", "ec",
            "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
            "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost",
            "-addext", "basicConstraints=critical,CA:FALSE");
    }

    private static void openssl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("openssl"));
        command.addAll(List.of(args));
        Process openssl = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!openssl.waitFor(60, TimeUnit.SECONDS) || openssl.exitValue() != 0) {
            throw new IOException("openssl failed: " + output);
        }
    }
}
