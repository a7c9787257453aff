package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged daemon over HTTPS: announces on a keep-alive TLS connection; a certificate reload
 * by SIGUSR1 and then by a file change reaches new connections while the connection opened
 * before both reloads keeps working on the first certificate; failed handshakes (a client that
 * distrusts the certificate, plain HTTP on the TLS port) are counted on the metrics endpoint.
 */
@Timeout(90)
class HttpsDaemonIT {
    /** info_hash 0x01 x 20, peer id -TT0001-000000006881, port 6881, a leecher. */
    static final String ANNOUNCE = "GET /announce?info_hash=" + "%01".repeat(20)
        + "&peer_id=-TT0001-000000006881&port=6881&left=100 HTTP/1.1\r\nHost: t\r\n\r\n";

    @TempDir
    Path dir;

    @Test
    void reloadsShouldReachNewConnectionsWhileAnOpenOneKeepsItsCertificateAndFailuresAreCounted() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        Path[] certs = new Path[3];
        String[] names = {"one", "two", "three"};
        for (int i = 0; i < 3; i++) {
            Path pair = Files.createDirectories(dir.resolve(names[i]));
            certs[i] = pair.resolve("cert.pem");
            TlsReloadIT.makePair(names[i], certs[i], pair.resolve("key.pem"));
        }
        Files.copy(certs[0], cert);
        Files.copy(certs[0].resolveSibling("key.pem"), key);
        SSLContext client = trusting(certs);
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback(
                "--set", "http.tls.listen=[\"127.0.0.1:0\"]",
                "--set", "http.tls.cert_path=\"" + cert + "\"", "--set", "http.tls.key_path=\"" + key + "\"");
             SSLSocket before = connect(client, tracker.port("https"))) {
            int port = tracker.port("https");
            assertEquals("CN=one", subject(before));
            assertAnnounceAnswered(before, "the first request");

            // SIGUSR1: the new pair at once
            Files.copy(certs[1].resolveSibling("key.pem"), key, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(certs[1], cert, StandardCopyOption.REPLACE_EXISTING);
            tracker.signal("USR1");
            tracker.await(Pattern.compile("TLS certificate reloaded: CN=two"), Duration.ofSeconds(10));
            try (SSLSocket after = connect(client, port)) {
                assertEquals("CN=two", subject(after));
                assertAnnounceAnswered(after, "a connection after the signal");
            }
            assertAnnounceAnswered(before, "the open connection after the signal");

            // a file change alone: the watcher notices it
            Files.move(certs[2].resolveSibling("key.pem"), key, StandardCopyOption.REPLACE_EXISTING);
            Files.move(certs[2], cert, StandardCopyOption.REPLACE_EXISTING);
            tracker.await(Pattern.compile("TLS certificate reloaded: CN=three"), Duration.ofSeconds(20));
            try (SSLSocket after = connect(client, port)) {
                assertEquals("CN=three", subject(after));
                assertAnnounceAnswered(after, "a connection after the file change");
            }
            assertAnnounceAnswered(before, "the open connection after both reloads");
            assertEquals("CN=one", subject(before), "it keeps the session of the first certificate");

            // two failed handshakes: a client that trusts another certificate, plain HTTP on the TLS port
            Path stranger = Files.createDirectories(dir.resolve("stranger"));
            TlsReloadIT.makePair("stranger", stranger.resolve("cert.pem"), stranger.resolve("key.pem"));
            assertThrows(SSLException.class, () -> connect(trusting(stranger.resolve("cert.pem")), port).close());
            try (Socket plain = new Socket("127.0.0.1", port)) {
                plain.setSoTimeout(10_000);
                plain.getOutputStream().write(ANNOUNCE.getBytes(StandardCharsets.US_ASCII));
                plain.getInputStream().readAllBytes(); // the tracker closes it (a TLS alert at most)
            } catch (IOException reset) {
                // or resets it, the request unread: closed either way
            }
            int metrics = tracker.port("metrics");
            String text = awaitMetric(metrics, "tracker_http_tls_handshake_failures_total 2.0");
            assertTrue(text.contains("tracker_http_tls_handshakes_total 3.0"),
                "before, after the signal, after the file change: " + text);
        }
    }

    private static void assertAnnounceAnswered(SSLSocket socket, String what) throws IOException {
        socket.getOutputStream().write(ANNOUNCE.getBytes(StandardCharsets.US_ASCII));
        socket.getOutputStream().flush();
        String response = readResponse(socket.getInputStream());
        assertTrue(response.startsWith("HTTP/1.1 200 OK\r\n"), what + ": " + response);
        assertTrue(response.contains("\r\n\r\nd8:completei"), what + ": a bencoded announce reply: " + response);
    }

    /** One response: the head up to the blank line, then Content-Length bytes of body. */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0 || head.size() > 4096) throw new IOException("no complete head: " + head);
            head.write(b);
        }
        String text = head.toString(StandardCharsets.ISO_8859_1);
        Matcher length = Pattern.compile("Content-Length: (\\d+)").matcher(text);
        assertTrue(length.find(), text);
        return text + new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.ISO_8859_1);
    }

    /** Polls the metrics endpoint (counters reach it from the event loops a moment later), bounded. */
    private static String awaitMetric(int port, String line) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String text;
        do {
            text = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
            if (text.contains(line)) return text;
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("no \"" + line + "\" in:\n" + text);
    }

    private static SSLSocket connect(SSLContext context, int port) throws IOException {
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
        socket.startHandshake();
        return socket;
    }

    private static String subject(SSLSocket socket) throws IOException {
        return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSubjectX500Principal().getName();
    }

    /** Trusts exactly these self-signed certificates (the chain is verified, no trust-all). */
    private static SSLContext trusting(Path... certs) throws Exception {
        KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
        trusted.load(null, null);
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        for (int i = 0; i < certs.length; i++) {
            try (InputStream in = Files.newInputStream(certs[i])) {
                trusted.setCertificateEntry("c" + i, x509.generateCertificate(in));
            }
        }
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }
}
