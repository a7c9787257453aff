package trackerd.stats;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * {@code /stats}: one {@link StatsSnapshot} as a self-contained HTML page (inline style, no script,
 * no external asset, so the metrics server can send it with {@code Content-Security-Policy:
 * default-src 'none'}) that reloads itself every {@value #REFRESH_SECONDS} seconds with a meta
 * refresh. Every text put into the page goes through {@link #escape}, labels and version included:
 * they come from metric tags and the build, not from clients, but an escaped page stays safe
 * whatever a later label holds.
 *
 * <p>Each number carries {@code data-stat="PATH"}, its path in {@code /stats.json} (see
 * {@link StatsJson}), and shows exactly the JSON's value, so a browser test can compare the two.
 * Stateless; any thread.
 */
final class StatsPage {
    static final int REFRESH_SECONDS = 5;

    private StatsPage() {}

    static byte[] render(StatsSnapshot s) {
        StringBuilder h = new StringBuilder(8192);
        h.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
            .append("<meta http-equiv=\"refresh\" content=\"").append(REFRESH_SECONDS).append("\">")
            .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
            .append("<title>trackerd stats</title><style>")
            .append("body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}")
            .append("table{border-collapse:collapse;margin:0 0 1.5em}")
            .append("th,td{padding:.2em .8em;border-bottom:1px solid #ddd;text-align:right}")
            .append("th:first-child,td:first-child{text-align:left}td.hash{font-family:monospace;text-align:left}")
            .append("h2{font-size:1.1em;margin:1em 0 .4em}.muted{color:#777}")
            .append("</style></head><body>\n");
        h.append("<h1>trackerd <span data-stat=\"version\">").append(escape(s.version())).append("</span></h1>\n");
        h.append("<p>up <span data-stat=\"uptime_seconds\">").append(s.uptimeSeconds()).append("</span> s (")
            .append(escape(duration(s.uptimeSeconds()))).append(") <span class=\"muted\">snapshot at <span data-stat=\"taken_at\">")
            .append(s.takenAtEpochSeconds()).append("</span> (Unix time); this page reloads every ")
            .append(REFRESH_SECONDS).append(" s</span></p>\n");

        h.append("<h2>Requests per second</h2>\n<table><tr><th>protocol</th><th>last minute (mean)</th>")
            .append("<th>last second</th></tr>\n");
        for (StatsSnapshot.ProtocolRate r : s.rates()) {
            String path = "requests_per_second." + r.protocol();
            h.append("<tr><td>").append(escape(r.protocol())).append("</td>");
            cell(h, path + ".last_minute", Double.toString(r.lastMinute()));
            cell(h, path + ".last_second", Long.toString(r.lastSecond()));
            h.append("</tr>\n");
        }
        h.append("</table>\n");

        h.append("<h2>Swarms</h2>\n<table><tr><th>swarm kind</th><th>torrents</th><th>completed</th></tr>\n");
        for (StatsSnapshot.KindCount t : s.torrents()) {
            h.append("<tr><td>").append(escape(t.swarmKind())).append("</td>");
            cell(h, "torrents." + t.swarmKind(), Long.toString(t.count()));
            long completed = count(s.completed(), t.swarmKind());
            if (completed >= 0) {
                cell(h, "completed." + t.swarmKind(), Long.toString(completed));
            } else {
                h.append("<td class=\"muted\">-</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");

        h.append("<h2>Peers</h2>\n<table><tr><th>swarm kind</th><th>IP version</th><th>seeders</th>")
            .append("<th>leechers</th></tr>\n");
        List<StatsSnapshot.PeerCount> peers = s.peers();
        for (int i = 0; i < peers.size(); i++) {
            StatsSnapshot.PeerCount p = peers.get(i);
            if (i > 0 && same(peers.get(i - 1), p)) continue; // one row per kind and IP version
            String path = "peers." + p.swarmKind() + "." + p.ipVersion();
            h.append("<tr><td>").append(escape(p.swarmKind())).append("</td><td>IPv").append(escape(p.ipVersion()))
                .append("</td>");
            for (String status : new String[] {"seeder", "leecher"}) {
                long n = peerCount(peers, p.swarmKind(), p.ipVersion(), status);
                if (n >= 0) cell(h, path + "." + status, Long.toString(n)); else h.append("<td class=\"muted\">-</td>");
            }
            h.append("</tr>\n");
        }
        h.append("</table>\n");

        h.append("<h2>Top ").append(s.topTorrents().size()).append(" torrents by peers</h2>\n<p class=\"muted\">");
        if (s.topAgeSeconds() < 0) {
            h.append("Counting: the swarm workers walk their torrents while this page is being viewed, at most every ")
                .append(TrackerStats.TOP_REFRESH_SECONDS).append(" s.");
        } else {
            h.append("Counted <span data-stat=\"top_torrents.age_seconds\">").append(s.topAgeSeconds())
                .append("</span> s ago by the swarm workers (at most every ").append(TrackerStats.TOP_REFRESH_SECONDS)
                .append(" s, while this page is being viewed).");
        }
        h.append("</p>\n<table><tr><th>#</th><th>info hash</th><th>seeders</th><th>leechers</th><th>completed</th></tr>\n");
        for (int i = 0; i < s.topTorrents().size(); i++) {
            StatsSnapshot.TopTorrent t = s.topTorrents().get(i);
            String path = "top_torrents.torrents." + i;
            h.append("<tr><td>").append(i + 1).append("</td><td class=\"hash\" data-stat=\"").append(path)
                .append(".info_hash\">").append(escape(t.infoHash())).append("</td>");
            cell(h, path + ".seeders", Integer.toString(t.seeders()));
            cell(h, path + ".leechers", Integer.toString(t.leechers()));
            cell(h, path + ".completed", Integer.toString(t.completed()));
            h.append("</tr>\n");
        }
        h.append("</table>\n<p class=\"muted\">The same numbers as JSON: <a href=\"stats.json\">stats.json</a>; ")
            .append("every metric: <a href=\"metrics\">metrics</a>.</p>\n</body></html>\n");
        return h.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void cell(StringBuilder h, String path, String value) {
        h.append("<td data-stat=\"").append(escape(path)).append("\">").append(escape(value)).append("</td>");
    }

    private static boolean same(StatsSnapshot.PeerCount a, StatsSnapshot.PeerCount b) {
        return a.swarmKind().equals(b.swarmKind()) && a.ipVersion().equals(b.ipVersion());
    }

    private static long peerCount(List<StatsSnapshot.PeerCount> peers, String kind, String version, String status) {
        for (StatsSnapshot.PeerCount p : peers) {
            if (p.swarmKind().equals(kind) && p.ipVersion().equals(version) && p.status().equals(status)) return p.count();
        }
        return -1;
    }

    private static long count(List<StatsSnapshot.KindCount> counts, String kind) {
        for (StatsSnapshot.KindCount c : counts) {
            if (c.swarmKind().equals(kind)) return c.count();
        }
        return -1;
    }

    /** "3d 4h 5m 6s", largest unit first, zero units left out. */
    static String duration(long seconds) {
        StringBuilder out = new StringBuilder();
        long[] units = {86_400, 3_600, 60, 1};
        String[] names = {"d", "h", "m", "s"};
        for (int i = 0; i < units.length; i++) {
            long n = seconds / units[i];
            seconds %= units[i];
            if (n > 0 || (i == units.length - 1 && out.length() == 0)) {
                if (out.length() > 0) out.append(' ');
                out.append(n).append(names[i]);
            }
        }
        return out.toString();
    }

    /** HTML text and attribute escaping: {@code & < > " '}. */
    static String escape(String text) {
        StringBuilder out = null;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            String entity = switch (c) {
                case '&' -> "&amp;";
                case '<' -> "&lt;";
                case '>' -> "&gt;";
                case '"' -> "&quot;";
                case '\'' -> "&#39;";
                default -> null;
            };
            if (entity == null && out == null) continue;
            if (out == null) out = new StringBuilder(text.length() + 16).append(text, 0, i);
            if (entity == null) out.append(c); else out.append(entity);
        }
        return out == null ? text : out.toString();
    }
}
