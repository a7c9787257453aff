package trackerd.loadtest;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads one bencoded value (BEP 3) into Java values, to check tracker replies: integers as
 * {@link Long}, strings as {@code byte[]}, lists as {@link List}, dictionaries as {@link Map}
 * with keys as ISO-8859-1 strings (one char per byte, so binary info-hash keys survive).
 */
final class Bencode {
    private static final int MAX_DEPTH = 32;

    private final ByteBuf in;

    private Bencode(ByteBuf in) {
        this.in = in;
    }

    /** The value that fills {@code in}'s readable bytes exactly; else an IllegalArgumentException. */
    static Object decode(ByteBuf in) {
        ByteBuf view = in.duplicate();
        Object value = new Bencode(view).value(0);
        if (view.isReadable()) throw new IllegalArgumentException(view.readableBytes() + " bytes after the value");
        return value;
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) throw new IllegalArgumentException("nested deeper than " + MAX_DEPTH);
        byte b = next();
        switch (b) {
            case 'i':
                return number('e');
            case 'l': {
                List<Object> list = new ArrayList<>();
                while (peek() != 'e') list.add(value(depth + 1));
                in.skipBytes(1);
                return list;
            }
            case 'd': {
                Map<String, Object> map = new LinkedHashMap<>();
                while (peek() != 'e') {
                    if (peek() < '0' || peek() > '9') throw new IllegalArgumentException("dictionary key is not a string");
                    String key = new String(string(), StandardCharsets.ISO_8859_1);
                    // BEP 3 wants sorted keys; opentracker's scrape lists files in request order, and
                    // every client reads that, so only a repeated key is refused
                    if (map.put(key, value(depth + 1)) != null) {
                        throw new IllegalArgumentException("dictionary key \"" + key + "\" twice");
                    }
                }
                in.skipBytes(1);
                return map;
            }
            default:
                if (b >= '0' && b <= '9') {
                    in.readerIndex(in.readerIndex() - 1);
                    return string();
                }
                throw new IllegalArgumentException("unexpected byte 0x" + Integer.toHexString(b & 0xff));
        }
    }

    private byte[] string() {
        long length = number(':');
        if (length < 0) throw new IllegalArgumentException("negative string length");
        if (length > in.readableBytes()) throw new IllegalArgumentException("string of " + length + " bytes past the end");
        byte[] bytes = new byte[(int) length];
        in.readBytes(bytes);
        return bytes;
    }

    private long number(char end) {
        boolean negative = peek() == '-';
        if (negative) in.skipBytes(1);
        long value = 0;
        int digits = 0;
        for (byte b = next(); b != end; b = next()) {
            if (b < '0' || b > '9' || digits == 18) throw new IllegalArgumentException("bad number");
            value = value * 10 + (b - '0');
            digits++;
        }
        if (digits == 0) throw new IllegalArgumentException("empty number");
        return negative ? -value : value;
    }

    private byte next() {
        if (!in.isReadable()) throw new IllegalArgumentException("ends inside a value");
        return in.readByte();
    }

    private byte peek() {
        if (!in.isReadable()) throw new IllegalArgumentException("ends inside a value");
        return in.getByte(in.readerIndex());
    }
}
