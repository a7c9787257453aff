package trackerd.state;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.EnumSet;

/**
 * A small random secret kept in the state directory (the UDP connection-id key), so that what a
 * process signed with it stays valid for the next process. Created atomically: written to a
 * temp file of mode 0600, fsynced, then hard-linked to its name, which fails if another start
 * got there first (then that one's key is read); so the file is never seen half written and
 * never readable by others. A file of the wrong size is a different secret: it is moved aside
 * and a new one made (ids signed with the old one are lost, nothing else).
 */
public final class SecretFile {
    private SecretFile() {}

    /** The {@code bytes}-byte secret in {@code file}, made now if there is none. */
    public static byte[] loadOrCreate(Path file, int bytes) throws IOException {
        for (int attempt = 0; attempt < 3; attempt++) {
            if (Files.exists(file)) {
                byte[] existing = Files.readAllBytes(file);
                if (existing.length == bytes) return existing;
                SnapshotFile.moveAside(file, "wrong-size", System.currentTimeMillis() / 1000);
            }
            byte[] secret = new byte[bytes];
            new SecureRandom().nextBytes(secret);
            Path temp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.deleteIfExists(temp);
            try (FileChannel channel = FileChannel.open(temp,
                    EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                ByteBuffer data = ByteBuffer.wrap(secret);
                while (data.hasRemaining()) channel.write(data);
                channel.force(true);
            }
            try {
                Files.createLink(file, temp);
                SnapshotFile.syncDirectory(file.getParent());
                return secret;
            } catch (FileAlreadyExistsException e) {
                // another start made one first: read it
            } finally {
                Files.deleteIfExists(temp);
            }
        }
        throw new IOException("cannot create " + file);
    }

    /** A secret as big-endian longs (its length a multiple of 8). */
    public static long[] longs(byte[] secret) {
        ByteBuffer in = ByteBuffer.wrap(secret);
        long[] out = new long[secret.length / 8];
        for (int i = 0; i < out.length; i++) out[i] = in.getLong();
        return out;
    }
}
