package trackerd.http.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Base64;
import java.util.Collection;
import java.util.List;

/**
 * A server certificate chain and its private key, read from PEM files and checked to belong
 * together, so that a bad pair is refused before it replaces a good one.
 *
 * <p>Shapes: the chain file holds one or more {@code -----BEGIN CERTIFICATE-----} blocks, the
 * server's own (leaf) certificate first, then its intermediates (what certbot calls
 * {@code fullchain.pem}); text around the blocks is ignored. The key file holds one unencrypted
 * PKCS#8 {@code -----BEGIN PRIVATE KEY-----} block (RSA, EC or Ed25519), which is what
 * {@code openssl req -newkey ... -nodes} and certbot write; an older PKCS#1 or SEC1 key is
 * refused with the {@code openssl pkcs8 -topk8 -nocrypt} command that converts it.
 *
 * <p>Immutable; {@link #read} may run on any thread.
 */
public record CertificateKeyPair(List<X509Certificate> chain, PrivateKey key) {
    private static final String KEY_BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String KEY_END = "-----END PRIVATE KEY-----";

    /** The server's own certificate, the first of the chain. */
    public X509Certificate leaf() {
        return chain.get(0);
    }

    /** Whether the leaf certificate's validity has ended at {@code now}. */
    public boolean expiredAt(Instant now) {
        return leaf().getNotAfter().toInstant().isBefore(now);
    }

    /** "CN=tracker.example.org, expires 2026-05-01T00:00:00Z": what a reload line names. */
    public String describe() {
        return leaf().getSubjectX500Principal().getName() + ", expires " + leaf().getNotAfter().toInstant();
    }

    /**
     * Reads and checks both files.
     *
     * @throws PairException naming the file and what is wrong with it: missing or unreadable,
     *         no certificate, no PKCS#8 key, or a key that does not sign for the leaf's public key
     */
    public static CertificateKeyPair read(Path certPath, Path keyPath) throws PairException {
        List<X509Certificate> chain = readChain(certPath);
        PrivateKey key = readKey(keyPath);
        if (!signsFor(key, chain.get(0).getPublicKey())) {
            throw new PairException("key " + keyPath + " does not match the certificate in " + certPath
                + " (" + chain.get(0).getSubjectX500Principal().getName() + ")");
        }
        return new CertificateKeyPair(List.copyOf(chain), key);
    }

    private static List<X509Certificate> readChain(Path path) throws PairException {
        Collection<? extends Certificate> read;
        try (InputStream in = Files.newInputStream(path)) {
            // the JDK's X.509 factory reads PEM blocks itself, and skips text between them
            read = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            throw new PairException("cannot read certificate " + path + ": " + e);
        } catch (CertificateException e) {
            throw new PairException("certificate " + path + " is not PEM X.509: " + e.getMessage());
        }
        if (read.isEmpty()) throw new PairException("certificate " + path + " holds no BEGIN CERTIFICATE block");
        return read.stream().map(X509Certificate.class::cast).toList();
    }

    private static PrivateKey readKey(Path path) throws PairException {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new PairException("cannot read key " + path + ": " + e);
        }
        int begin = text.indexOf(KEY_BEGIN);
        int end = begin < 0 ? -1 : text.indexOf(KEY_END, begin);
        if (begin < 0 || end < 0) {
            String found = text.contains("-----BEGIN RSA PRIVATE KEY-----") || text.contains("-----BEGIN EC PRIVATE KEY-----")
                ? "a PKCS#1/SEC1 key; convert it: openssl pkcs8 -topk8 -nocrypt -in OLD -out NEW"
                : text.contains("-----BEGIN ENCRYPTED PRIVATE KEY-----")
                    ? "an encrypted key; the tracker cannot ask for a password: openssl pkcs8 -topk8 -nocrypt -in OLD -out NEW"
                    : "no BEGIN PRIVATE KEY block";
            throw new PairException("key " + path + " is not an unencrypted PKCS#8 PEM key: " + found);
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(text.substring(begin + KEY_BEGIN.length(), end));
        } catch (IllegalArgumentException e) {
            throw new PairException("key " + path + ": bad base64 in the PEM block");
        }
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : new String[] {"EC", "RSA", "Ed25519", "RSASSA-PSS"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException | java.security.NoSuchAlgorithmException e) {
                // not this algorithm: try the next
            }
        }
        throw new PairException("key " + path + ": the PKCS#8 block is no EC, RSA or Ed25519 key");
    }

    /**
     * Whether {@code key} is the private half of {@code publicKey}: signs a random challenge
     * and verifies it with the certificate's key, which works alike for every key type (an EC
     * private key does not carry its public point to compare). Once per load, off the hot path.
     */
    private static boolean signsFor(PrivateKey key, PublicKey publicKey) {
        if (!key.getAlgorithm().equals(publicKey.getAlgorithm())) return false;
        String algorithm = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "RSA" -> "SHA256withRSA";
            case "Ed25519", "EdDSA" -> "Ed25519";
            default -> null;
        };
        if (algorithm == null) return true; // an unusual type: leave the check to the handshake
        try {
            byte[] challenge = new byte[32];
            new SecureRandom().nextBytes(challenge);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            return verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** What is wrong with a certificate or key file, in one line for the operator. */
    public static final class PairException extends Exception {
        public PairException(String message) {
            super(message);
        }
    }
}
