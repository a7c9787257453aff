package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged daemon reloads its TLS certificate on SIGHUP and SIGUSR1, and by itself when the
 * files change; a bad pair is refused with one line and the good one stays. Handshakes with the
 * reloaded context are tested in tracker-http (TlsHandshakeIT); the HTTPS listener will be wired
 * to {@link Daemon#tls()} by the HTTP front end.
 */
@Timeout(90)
class TlsReloadIT {
    @TempDir
    Path dir;

    @Test
    void signalsAndFileChangesShouldReloadTheCertificateWithTheBundledBoringSsl() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        makePair("one", cert, key);
        try (TrackerProcess tracker = TrackerProcess.startOnLoopback(
                "--set", "http.tls.listen=[\"127.0.0.1:0\"]",
                "--set", "http.tls.cert_path=\"" + cert + "\"", "--set", "http.tls.key_path=\"" + key + "\"")) {
            tracker.await(Pattern.compile("TLS provider openssl \\(BoringSSL\\), chosen by auto; certificate CN=one"),
                Duration.ofSeconds(1));

            Path next = Files.createDirectories(dir.resolve("next"));
            makePair("two", next.resolve("cert.pem"), next.resolve("key.pem"));
            // the signal reloads at once, without waiting for two polls of the watcher to agree
            Files.copy(next.resolve("key.pem"), key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            Files.copy(next.resolve("cert.pem"), cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES);
            tracker.signal("USR1");
            tracker.await(Pattern.compile("SIGUSR1: reloading the TLS certificate from " + Pattern.quote(cert.toString())),
                Duration.ofSeconds(10));
            tracker.await(Pattern.compile("TLS certificate reloaded: CN=two, expires "), Duration.ofSeconds(10));

            Files.writeString(key, "not a key\n");              // noticed by polling, refused, old pair kept
            tracker.await(Pattern.compile("TLS reload failed, keeping the certificate in force \\(CN=(one|two)"
                + ".*no BEGIN PRIVATE KEY block"), Duration.ofSeconds(20));
            tracker.signal("HUP");
            tracker.await(Pattern.compile("SIGHUP: reloading the TLS certificate"), Duration.ofSeconds(10));
            tracker.await(Pattern.compile("TLS reload failed"), 2, Duration.ofSeconds(10));

            Path third = Files.createDirectories(dir.resolve("third"));
            makePair("three", third.resolve("cert.pem"), third.resolve("key.pem"));
            Files.move(third.resolve("key.pem"), key, StandardCopyOption.REPLACE_EXISTING);
            Files.move(third.resolve("cert.pem"), cert, StandardCopyOption.REPLACE_EXISTING);
            tracker.await(Pattern.compile("TLS certificate reloaded: CN=three"), Duration.ofSeconds(20));

            tracker.signal("TERM");
            assertEquals(0, tracker.waitForExit(Duration.ofSeconds(15)), tracker.output());
        }
    }

    @Test
    void aKeyOfAnotherCertificateShouldStopTheStartNamingTheKey() throws Exception {
        Path cert = dir.resolve("cert.pem");
        Path key = dir.resolve("key.pem");
        makePair("one", cert, key);
        makePair("other", dir.resolve("other.pem"), key);
        try (TrackerProcess tracker = TrackerProcess.start(List.of(
                "--set", "http.tls.listen=[\"127.0.0.1:0\"]", "--set", "udp.listen=[\"127.0.0.1:0\"]",
                "--set", "metrics.enabled=false",
                "--set", "http.tls.cert_path=\"" + cert + "\"", "--set", "http.tls.key_path=\"" + key + "\""))) {
            assertEquals(Main.EXIT_CONFIG, tracker.waitForExit(Duration.ofSeconds(20)), tracker.output());
            tracker.await(Pattern.compile("http.tls.key_path: key .* does not match the certificate"), Duration.ofSeconds(1));
        }
    }

    /** {@code openssl req -x509}, ECDSA P-256, as the README tells operators. */
    static void makePair(String commonName, Path cert, Path key) throws IOException, InterruptedException {
        Process openssl = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
            "ec_paramgen_curve:P-256", "-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2",
            "-subj", "/CN=" + commonName).redirectErrorStream(true).start();
        String output = new String(openssl.getInputStream().readAllBytes());
        if (!openssl.waitFor(60, TimeUnit.SECONDS) || openssl.exitValue() != 0) {
            throw new IOException("openssl failed: " + output);
        }
    }
}
