package trackerd.access;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import trackerd.net.InfoHashes;

/**
 * Reads an access-list file: one 40-digit hex info hash a line, either case; blank lines and
 * {@code #} comments (whole-line or after the hash) are skipped. Any other line fails the whole
 * file, naming the line, so a typo never silently opens or closes the tracker.
 */
public final class AccessListFile {
    private AccessListFile() {}

    public static InfoHashSet read(Path path) throws AccessListException {
        List<long[]> hashes = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                int hash = line.indexOf('#');
                String text = (hash >= 0 ? line.substring(0, hash) : line).strip();
                if (text.isEmpty()) continue;
                long[] parsed = InfoHashes.parseHex(text);
                if (parsed == null) {
                    throw new AccessListException(path + " line " + number
                        + ": expected 40 hex digits, got \"" + abbreviate(text) + "\"");
                }
                hashes.add(parsed);
            }
        } catch (NoSuchFileException e) {
            throw new AccessListException("cannot read " + path + ": no such file (deleted or renamed?)");
        } catch (IOException e) {
            throw new AccessListException("cannot read " + path + ": " + e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
        return InfoHashSet.of(hashes.toArray(new long[0][]), hashes.size());
    }

    private static String abbreviate(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "..." : text;
    }

    /** A file that cannot be used; the message says where and why. */
    public static final class AccessListException extends Exception {
        public AccessListException(String message) {
            super(message);
        }
    }
}
