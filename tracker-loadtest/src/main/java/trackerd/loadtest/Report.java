package trackerd.loadtest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/** The final numbers of a run, as text for people and as JSON for scripts. */
record Report(
        String mode, String target, double seconds, int workers, long rate, long[] sent, long[] answered,
        long errorReplies, long invalidReplies, long timeouts, long lateReplies, long peersReceived,
        long behindSchedule, long connectionsOpened, long connectFailures, long offersReceived, long answersSent,
        long answersReceived, Histogram latency, String firstError, String firstInvalid, String firstConnectFailure,
        double trackerCpuSeconds) {

    static final String[] TYPES = {"connect", "announce", "scrape"};

    static Report of(String mode, String target, double seconds, int workers, long rate, List<WorkerStats> stats,
                     Histogram latency, double trackerCpuSeconds) {
        long[] sent = new long[3];
        long[] answered = new long[3];
        long[] other = new long[WorkerStats.SIZE];
        String firstError = null;
        String firstInvalid = null;
        String firstConnectFailure = null;
        for (WorkerStats s : stats) {
            for (int t = 0; t < 3; t++) {
                sent[t] += s.get(WorkerStats.SENT + t);
                answered[t] += s.get(WorkerStats.ANSWERED + t);
            }
            for (int i = WorkerStats.ERROR_REPLIES; i < WorkerStats.SIZE; i++) other[i] += s.get(i);
            if (firstError == null) firstError = s.firstError;
            if (firstInvalid == null) firstInvalid = s.firstInvalid;
            if (firstConnectFailure == null) firstConnectFailure = s.firstConnectFailure;
        }
        return new Report(mode, target, seconds, workers, rate, sent, answered, other[WorkerStats.ERROR_REPLIES],
            other[WorkerStats.INVALID_REPLIES], other[WorkerStats.TIMEOUTS], other[WorkerStats.LATE_REPLIES],
            other[WorkerStats.PEERS_RECEIVED], other[WorkerStats.BEHIND_SCHEDULE], other[WorkerStats.CONNECTIONS_OPENED],
            other[WorkerStats.CONNECT_FAILURES], other[WorkerStats.OFFERS_RECEIVED], other[WorkerStats.ANSWERS_SENT],
            other[WorkerStats.ANSWERS_RECEIVED], latency, firstError, firstInvalid, firstConnectFailure, trackerCpuSeconds);
    }

    long totalAnswered() {
        return answered[0] + answered[1] + answered[2];
    }

    double answeredPerSecond() {
        return totalAnswered() / seconds;
    }

    double millis(double percentile) {
        return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(percentile) / 1e6;
    }

    String text() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%s load test of %s: %.1f s, %d worker(s), %s%n", mode, target, seconds,
            workers, rate == 0 ? "saturation" : "fixed rate " + rate + "/s"));
        out.append(String.format(Locale.ROOT, "%-13s %12s %12s %12s %12s%n", "per second",
            udp() ? "connect" : "", "announce", "scrape", "total"));
        out.append(row("requests", sent)).append(row("responses", answered));
        out.append(String.format(Locale.ROOT, "error replies %d, invalid replies %d, timeouts %d%s%s%n",
            errorReplies, invalidReplies, timeouts, udp() ? ", late replies " + lateReplies : "",
            rate == 0 ? "" : ", sent behind schedule " + behindSchedule));
        if (!udp()) {
            out.append(String.format(Locale.ROOT, "connections opened %d, failed connects %d%n", connectionsOpened,
                connectFailures));
        }
        if (mode.equals("ws")) {
            out.append(String.format(Locale.ROOT, "relayed per second: offers received %,.0f, answers sent %,.0f, "
                + "answers received %,.0f%n", offersReceived / seconds, answersSent / seconds, answersReceived / seconds));
        }
        if (firstError != null) out.append("first error reply: ").append(firstError).append('\n');
        if (firstInvalid != null) out.append("first invalid reply: ").append(firstInvalid).append('\n');
        if (connectFailures > 0 && firstConnectFailure != null) {
            out.append("first failed connect: ").append(firstConnectFailure).append('\n');
        }
        if (!mode.equals("ws")) {
            out.append(String.format(Locale.ROOT, "peers per announce reply: %.1f%n",
                answered[1] == 0 ? 0.0 : (double) peersReceived / answered[1]));
        }
        if (trackerCpuSeconds > 0) {
            out.append(String.format(Locale.ROOT, "tracker CPU %.2f s: %,.0f answers per tracker CPU-second%n",
                trackerCpuSeconds, totalAnswered() / trackerCpuSeconds));
        }
        out.append(String.format(Locale.ROOT, "latency ms: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
            millis(50), millis(90), millis(99), millis(99.9), latency.getMaxValue() / 1e6));
        return out.toString();
    }

    private boolean udp() {
        return mode.equals("udp");
    }

    private String row(String name, long[] counts) {
        return String.format(Locale.ROOT, "%-13s %12s %,12.0f %,12.0f %,12.0f%n", name,
            udp() ? String.format(Locale.ROOT, "%,.0f", counts[0] / seconds) : "", counts[1] / seconds,
            counts[2] / seconds, (counts[0] + counts[1] + counts[2]) / seconds);
    }

    void writeJson(Path file) throws IOException {
        try (OutputStream stream = Files.newOutputStream(file);
             JsonGenerator json = new JsonFactory().createGenerator(stream)) {
            json.useDefaultPrettyPrinter();
            json.writeStartObject();
            json.writeStringField("mode", mode);
            json.writeStringField("target", target);
            json.writeNumberField("seconds", seconds);
            json.writeNumberField("workers", workers);
            json.writeNumberField("rate", rate);
            for (String kind : new String[] {"requests_per_second", "responses_per_second"}) {
                long[] counts = kind.startsWith("requests") ? sent : answered;
                json.writeObjectFieldStart(kind);
                for (int t = 0; t < 3; t++) json.writeNumberField(TYPES[t], counts[t] / seconds);
                json.writeNumberField("total", (counts[0] + counts[1] + counts[2]) / seconds);
                json.writeEndObject();
            }
            json.writeNumberField("error_replies", errorReplies);
            json.writeNumberField("invalid_replies", invalidReplies);
            json.writeNumberField("timeouts", timeouts);
            json.writeNumberField("late_replies", lateReplies);
            json.writeNumberField("sent_behind_schedule", behindSchedule);
            json.writeNumberField("connections_opened", connectionsOpened);
            json.writeNumberField("connect_failures", connectFailures);
            json.writeObjectFieldStart("relayed_per_second");
            json.writeNumberField("offers_received", offersReceived / seconds);
            json.writeNumberField("answers_sent", answersSent / seconds);
            json.writeNumberField("answers_received", answersReceived / seconds);
            json.writeEndObject();
            json.writeNumberField("peers_per_announce_reply", answered[1] == 0 ? 0.0 : (double) peersReceived / answered[1]);
            json.writeObjectFieldStart("latency_ms");
            json.writeNumberField("p50", millis(50));
            json.writeNumberField("p90", millis(90));
            json.writeNumberField("p99", millis(99));
            json.writeNumberField("p99_9", millis(99.9));
            json.writeNumberField("max", latency.getMaxValue() / 1e6);
            json.writeEndObject();
            if (trackerCpuSeconds > 0) {
                json.writeNumberField("tracker_cpu_seconds", trackerCpuSeconds);
                json.writeNumberField("answers_per_tracker_cpu_second", totalAnswered() / trackerCpuSeconds);
            }
            if (firstError != null) json.writeStringField("first_error_reply", firstError);
            if (firstInvalid != null) json.writeStringField("first_invalid_reply", firstInvalid);
            if (connectFailures > 0 && firstConnectFailure != null) {
                json.writeStringField("first_failed_connect", firstConnectFailure);
            }
            json.writeEndObject();
        }
    }
}
