package trackerd.ws.protocol;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonFactoryBuilder;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.io.IOContext;
import com.fasterxml.jackson.core.json.async.NonBlockingJsonParser;
import com.fasterxml.jackson.core.sym.ByteQuadsCanonicalizer;

/**
 * jackson's non-blocking byte[] parser, kept for many frames (one root object each), plus the
 * three things the public API cannot give without allocating: the read position inside the
 * current frame (for the raw SDP byte ranges; {@code currentLocation()} builds a
 * {@code JsonLocation} per call), skipping the rest of a frame once it is checked, and how many
 * field names this parser has added to its symbol table (unknown names make it grow; the decoder
 * starts a fresh parser past a bound, so a client cannot make it grow without limit).
 *
 * <p>Built only by {@link Factory}, from jackson's protected extension points. One thread.
 */
final class FrameParser extends NonBlockingJsonParser {
    private final int initialSymbols;

    private FrameParser(IOContext context, int features, ByteQuadsCanonicalizer symbols) {
        super(context, features, symbols);
        initialSymbols = symbols.size();
    }

    /** Offset of the next unread byte from the start of the frame last fed. */
    int position() {
        return _inputPtr - _currBufferStart;
    }

    /** Marks the rest of the frame read (the caller has checked it is whitespace). */
    void skipRestOfFrame() {
        _inputPtr = _inputEnd;
    }

    /** Field names added to the symbol table since this parser was made. */
    int newSymbols() {
        return _symbols.size() - initialSymbols;
    }

    /**
     * A {@link JsonFactory} that makes {@link FrameParser}s. Each decoder has its own, so the
     * root symbol table its parsers merge into on close is never shared between threads.
     */
    static final class Factory extends JsonFactory {
        private static final long serialVersionUID = 1L;

        /** SDP values are two levels deep; 32 leaves room and refuses deeply nested junk early. */
        static final int MAX_NESTING_DEPTH = 32;

        Factory(int maxFrameBytes) {
            super(new JsonFactoryBuilder()
                // names stay canonical per symbol table (the decoder's switch finds them by hash
                // and equals); String.intern and jackson's global intern cache would put a shared
                // map behind every new name a client makes up
                .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
                .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING_DEPTH)
                    .maxStringLength(Math.max(maxFrameBytes, 1))
                    .build()));
        }

        FrameParser newParser() {
            IOContext context = _createNonBlockingContext(null);
            return new FrameParser(context, _parserFeatures, _byteSymbolCanonicalizer.makeChild(_factoryFeatures));
        }
    }
}
