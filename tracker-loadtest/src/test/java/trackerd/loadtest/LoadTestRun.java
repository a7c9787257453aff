package trackerd.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs the load tester in-process and reads its JSON report as flat "section.key" values. */
final class LoadTestRun {
    private LoadTestRun() {}

    /** Runs {@code mode} with {@code args}, asserts exit 0, returns the JSON report. */
    static Map<String, String> run(Path dir, String mode, String... args) throws Exception {
        Path json = dir.resolve(mode + "-report.json");
        List<String> all = new ArrayList<>(List.of(mode, "--set", "run.progress=false", "--set", "run.warmup_seconds=1",
            "--json", json.toString()));
        all.addAll(List.of(args));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = LoadTestMain.run(all.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
            new PrintStream(err, true, StandardCharsets.UTF_8));
        String text = out.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, text + err);
        assertTrue(text.contains(mode + " load test of"), text);
        System.out.print(text); // the report in the test log
        return flatJson(json);
    }

    static Map<String, String> flatJson(Path file) throws Exception {
        Map<String, String> values = new HashMap<>();
        try (JsonParser parser = new JsonFactory().createParser(file.toFile())) {
            String prefix = "";
            String field = null;
            for (JsonToken token = parser.nextToken(); token != null; token = parser.nextToken()) {
                if (token == JsonToken.FIELD_NAME) {
                    field = parser.currentName();
                } else if (token == JsonToken.START_OBJECT && field != null) {
                    prefix = field + ".";
                } else if (token == JsonToken.END_OBJECT) {
                    prefix = "";
                } else if (token.isScalarValue()) {
                    values.put(prefix + field, parser.getText());
                }
            }
        }
        return values;
    }

    static double number(Map<String, String> report, String key) {
        return Double.parseDouble(report.get(key));
    }

    /** Nothing went wrong: no invalid or error replies, no timeouts, no failed connects. */
    static void assertClean(Map<String, String> report) {
        assertEquals("0", report.get("invalid_replies"), report.toString());
        assertEquals("0", report.get("error_replies"), report.toString());
        assertEquals("0", report.get("timeouts"), report.toString());
        assertEquals("0", report.get("connect_failures"), report.toString());
    }
}
