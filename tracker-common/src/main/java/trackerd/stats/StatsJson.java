package trackerd.stats;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * {@code /stats.json}: one {@link StatsSnapshot} as JSON, written with jackson-core's streaming
 * generator. Shape (every number a JSON number):
 *
 * <pre>
 * {"version": "0.1.0", "uptime_seconds": 75, "taken_at": 1764489600,
 *  "requests_per_second": {"http": {"last_minute": 1.5, "last_second": 2, "per_second": [0, 3, ...]}, "udp": {...}},
 *  "torrents": {"bittorrent": 3},
 *  "peers": {"bittorrent": {"4": {"seeder": 1, "leecher": 2}, "6": {"seeder": 0, "leecher": 0}}},
 *  "completed": {"bittorrent": 0},
 *  "top_torrents": {"age_seconds": 2, "torrents": [{"info_hash": "40 hex digits", "seeders": 1,
 *                   "leechers": 2, "completed": 0}, ...]}}
 * </pre>
 *
 * The stats page names each number it shows by its path here ({@code peers.bittorrent.4.seeder},
 * {@code top_torrents.torrents.0.info_hash}). Stateless; any thread.
 */
final class StatsJson {
    private static final JsonFactory JSON = new JsonFactory();

    private StatsJson() {}

    static byte[] render(StatsSnapshot s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("version", s.version());
            g.writeNumberField("uptime_seconds", s.uptimeSeconds());
            g.writeNumberField("taken_at", s.takenAtEpochSeconds());
            g.writeObjectFieldStart("requests_per_second");
            for (StatsSnapshot.ProtocolRate rate : s.rates()) {
                g.writeObjectFieldStart(rate.protocol());
                g.writeNumberField("last_minute", rate.lastMinute());
                g.writeNumberField("last_second", rate.lastSecond());
                g.writeArrayFieldStart("per_second");
                for (long n : rate.perSecond()) g.writeNumber(n);
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndObject();
            kinds(g, "torrents", s.torrents());
            g.writeObjectFieldStart("peers");
            String kind = null;
            String version = null;
            for (StatsSnapshot.PeerCount p : s.peers()) { // sorted by kind, then IP version
                if (!p.swarmKind().equals(kind)) {
                    if (version != null) g.writeEndObject();
                    if (kind != null) g.writeEndObject();
                    g.writeObjectFieldStart(p.swarmKind());
                    kind = p.swarmKind();
                    version = null;
                }
                if (!p.ipVersion().equals(version)) {
                    if (version != null) g.writeEndObject();
                    g.writeObjectFieldStart(p.ipVersion());
                    version = p.ipVersion();
                }
                g.writeNumberField(p.status(), p.count());
            }
            if (version != null) g.writeEndObject();
            if (kind != null) g.writeEndObject();
            g.writeEndObject();
            kinds(g, "completed", s.completed());
            g.writeObjectFieldStart("top_torrents");
            g.writeNumberField("age_seconds", s.topAgeSeconds());
            g.writeArrayFieldStart("torrents");
            for (StatsSnapshot.TopTorrent t : s.topTorrents()) {
                g.writeStartObject();
                g.writeStringField("info_hash", t.infoHash());
                g.writeNumberField("seeders", t.seeders());
                g.writeNumberField("leechers", t.leechers());
                g.writeNumberField("completed", t.completed());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return out.toByteArray();
    }

    private static void kinds(JsonGenerator g, String field, java.util.List<StatsSnapshot.KindCount> counts)
            throws IOException {
        g.writeObjectFieldStart(field);
        for (StatsSnapshot.KindCount c : counts) g.writeNumberField(c.swarmKind(), c.count());
        g.writeEndObject();
    }
}
