package trackerd.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Prometheus (Debian's package, installed by scripts/test) scrapes the packaged tracker
 * every second while real announces arrive over every protocol ({@link ProtocolTraffic}: udp, http,
 * and ws with relayed offers and answers): each protocol's requests must grow in Prometheus, and
 * every panel query of the Grafana dashboard ({@code docker/grafana/trackerd.json}) must evaluate
 * without error to at least one series. The tracker saves its swarms every second into a temporary
 * {@code state.path}, so the snapshot panels have data too.
 */
@Timeout(180)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PrometheusScrapeIT {
    static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    static final Path DASHBOARD = Path.of("..", "docker", "grafana", "trackerd.json");
    /**
     * Panels on metrics of parts not merged yet: their queries must parse, but may be empty. Add a
     * title while its part is being built; remove it once the part lands (the test prints which of
     * them already have data). Empty: every panel has data.
     */
    static final Set<String> PENDING_PANELS = Set.of();

    private final HttpClient http = HttpClient.newHttpClient();
    private TrackerProcess tracker;
    private Process prometheus;
    private int webPort;
    private List<ProtocolTraffic.Driver> drivers;
    /** Peers announced so far (the next driver call starts there) and announces sent over all protocols (a lower bound: ws also sends answers and stops). */
    private int announced;
    private int sent;

    @BeforeAll
    void startTrackerAndPrometheus(@TempDir Path dir) throws Exception {
        assertTrue(Files.isExecutable(PROMETHEUS), "prometheus is not installed: run scripts/install-test-deps");
        Path state = Files.createDirectories(dir.resolve("state"));
        tracker = TrackerProcess.startOnLoopback("--set", "state.path=\"" + state + "\"",
            "--set", "state.save_interval_seconds=1");
        drivers = new ArrayList<>(ProtocolTraffic.all(tracker));
        drivers.add(ProtocolTraffic.ws(tracker.port("http")));
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: trackerd
                static_configs:
                  - targets: ['127.0.0.1:%d']
            """.formatted(tracker.port("metrics")));
        webPort = freePort();
        prometheus = new ProcessBuilder(PROMETHEUS.toString(),
            "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
            "--web.listen-address=127.0.0.1:" + webPort)
            .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
    }

    @AfterAll
    void stop() throws Exception {
        if (prometheus != null) {
            prometheus.destroy();
            prometheus.waitFor();
        }
        if (tracker != null) tracker.close();
    }

    @Test
    @Order(1)
    void prometheusShouldScrapeTheMetricsEndpoint() throws Exception {
        awaitQuery("up{job=\"trackerd\"} == 1");
        awaitQuery("jvm_memory_used_bytes{job=\"trackerd\"}");
        awaitQuery("tracker_access_list_last_reload_ok{job=\"trackerd\"}");
        // a save has been written and scraped: the age is a number (NaN before any save), the duration too
        awaitQuery("tracker_state_saves_total{job=\"trackerd\", result=\"ok\"} >= 1");
        awaitQuery("tracker_state_snapshot_age_seconds{job=\"trackerd\"} >= 0");
        awaitQuery("tracker_state_save_duration_seconds{job=\"trackerd\"} > 0");
    }

    @Test
    @Order(2)
    void eachProtocolsRequestsShouldGrowInPrometheus() throws Exception {
        assertEquals(List.of("udp", "http", "ws"), drivers.stream().map(ProtocolTraffic.Driver::protocol).toList());
        for (ProtocolTraffic.Driver driver : drivers) {
            String query = "sum(tracker_requests_total{job=\"trackerd\", protocol=\"" + driver.protocol() + "\"})";
            double before = awaitQuery(query).values().iterator().next();
            driver.announce(announced, 10);
            announced += 10;
            sent += 10;
            awaitQuery(query + " >= " + (before + 10));
        }
    }

    @Test
    @Order(3)
    void everyGrafanaPanelQueryShouldReturnData() throws Exception {
        // traffic over every protocol, spread over a few scrapes so that rate() has points to work on
        for (int round = 0; round < 3; round++) {
            for (ProtocolTraffic.Driver driver : drivers) {
                driver.announce(announced, 10);
                sent += 10;
            }
            announced += 10;
            awaitQuery("sum(tracker_requests_total{job=\"trackerd\", type=\"announce\"}) >= " + sent);
        }
        Map<String, List<String>> panels = panelQueries(Files.readString(DASHBOARD));
        assertTrue(panels.size() >= 15, "panels: " + panels.keySet());
        List<String> failures = new ArrayList<>();
        for (Map.Entry<String, List<String>> panel : panels.entrySet()) {
            boolean pending = PENDING_PANELS.contains(panel.getKey());
            for (String grafanaQuery : panel.getValue()) {
                String query = grafanaQuery.replace("$__rate_interval", "1m").replace("$job", "trackerd")
                    .replace("$instance", ".+");
                String body = awaitSeries(query, pending ? Duration.ZERO : Duration.ofSeconds(20));
                if (!body.contains("\"status\":\"success\"")) {
                    failures.add(panel.getKey() + ": " + query + " failed: " + body);
                } else if (!body.contains("\"metric\":")) {
                    if (pending) {
                        System.out.println("pending panel \"" + panel.getKey() + "\" has no data yet: " + query);
                    } else {
                        failures.add(panel.getKey() + ": " + query + " returned no series: " + body);
                    }
                } else if (pending) {
                    System.out.println("pending panel \"" + panel.getKey() + "\" has data now: take it off PENDING_PANELS");
                }
            }
        }
        assertEquals(List.of(), failures);
        assertTrue(panels.keySet().containsAll(PENDING_PANELS), "a pending panel left the dashboard");
    }

    /** Panel title to its queries, from the dashboard JSON (rows left out: they hold no query). */
    static Map<String, List<String>> panelQueries(String dashboard) throws Exception {
        Map<String, List<String>> out = new LinkedHashMap<>();
        // every "expr" belongs to the panel whose "title" came last: a panel's title precedes its
        // targets, and a title is a panel's when its object sits in an array ("panels")
        try (JsonParser p = new JsonFactory().createParser(dashboard)) {
            String title = null;
            JsonToken token;
            while ((token = p.nextToken()) != null) {
                if (token != JsonToken.VALUE_STRING) continue;
                JsonStreamContext object = p.getParsingContext();
                if ("title".equals(p.currentName()) && object.getParent() != null && object.getParent().inArray()) {
                    title = p.getText();
                } else if ("expr".equals(p.currentName())) {
                    out.computeIfAbsent(title, t -> new ArrayList<>()).add(p.getText());
                }
            }
        }
        return out;
    }

    /**
     * Waits until the instant query returns at least one series; returns each series' labels (as
     * Prometheus prints them) and value.
     */
    private Map<String, Double> awaitQuery(String query) throws Exception {
        String body = awaitSeries(query, Duration.ofSeconds(45));
        if (!body.contains("\"status\":\"success\"") || !body.contains("\"metric\":")) {
            throw new AssertionError("Prometheus never returned " + query + ": " + body);
        }
        Map<String, Double> values = new LinkedHashMap<>();
        Matcher m = Pattern.compile("\"metric\":(\\{[^}]*}),\"value\":\\[[0-9.]+,\"([^\"]+)\"]").matcher(body);
        while (m.find()) values.put(m.group(1), Double.parseDouble(m.group(2)));
        return values;
    }

    /**
     * Queries until the answer holds a series or {@code patience} is over; returns the last body.
     * A query error is returned at once (no wait makes it right).
     */
    private String awaitSeries(String query, Duration patience) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + webPort + "/api/v1/query?query="
            + URLEncoder.encode(query, StandardCharsets.UTF_8));
        long deadline = System.nanoTime() + patience.toNanos();
        String body;
        while (true) {
            try {
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2))
                    .build(), HttpResponse.BodyHandlers.ofString());
                body = response.body();
                if (response.statusCode() == 400 || body.contains("\"status\":\"error\"")) return body;
                if (body.contains("\"status\":\"success\"") && body.contains("\"metric\":")) return body;
            } catch (java.io.IOException e) {
                body = e.toString(); // not listening yet
            }
            if (System.nanoTime() >= deadline) return body;
            Thread.sleep(200); // polling an external process that has no event to wait on
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
