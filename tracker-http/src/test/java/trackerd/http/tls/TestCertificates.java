package trackerd.http.tls;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Self-signed certificates made by the {@code openssl} CLI (installed by scripts/install-test-deps),
 * as an operator would make them: {@code openssl req -x509 -newkey ... -nodes}, which writes an
 * unencrypted PKCS#8 key.
 */
final class TestCertificates {
    /** A certificate and its key, in a directory of their own. */
    record Pem(Path cert, Path key, String commonName) {
        /** Copies both over {@code target}'s files by rename, as a deploy tool does. */
        void installAs(Pem target) throws IOException {
            replace(key, target.key);
            replace(cert, target.cert);
        }

        private static void replace(Path from, Path to) throws IOException {
            Path tmp = to.resolveSibling(to.getFileName() + ".new");
            Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private TestCertificates() {}

    /** ECDSA P-256, valid for two days from now, subject {@code CN=commonName}. */
    static Pem ec(Path dir, String commonName) throws IOException {
        return make(dir, commonName, List.of("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"));
    }

    /** RSA 2048. */
    static Pem rsa(Path dir, String commonName) throws IOException {
        return make(dir, commonName, List.of("-newkey", "rsa:2048"));
    }

    private static Pem make(Path dir, String commonName, List<String> keyArgs) throws IOException {
        Path own = Files.createDirectories(dir.resolve(commonName));
        Path cert = own.resolve("cert.pem");
        Path key = own.resolve("key.pem");
        List<String> command = new java.util.ArrayList<>(List.of("openssl", "req", "-x509"));
        command.addAll(keyArgs);
        command.addAll(List.of("-nodes", "-keyout", key.toString(), "-out", cert.toString(), "-days", "2",
            "-subj", "/CN=" + commonName, "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"));
        run(command);
        return new Pem(cert, key, commonName);
    }

    /** The key converted to the older PKCS#1/SEC1 form, which the tracker refuses with advice. */
    static Path traditionalKey(Pem pem, Path out) throws IOException {
        run(List.of("openssl", "pkey", "-in", pem.key().toString(), "-out", out.toString(), "-traditional"));
        return out;
    }

    private static void run(List<String> command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException("timed out: " + command);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted: " + command);
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.exitValue() != 0) throw new IOException(command + " failed: " + output);
    }
}
