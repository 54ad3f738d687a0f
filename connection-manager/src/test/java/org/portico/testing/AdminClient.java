package org.portico.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.DoublePredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What an operator's tools see on Portico's admin listener: Prometheus scrapes of {@code /metrics}, parsed into
 * series, and the plain answers of {@code /healthz}, {@code /readyz} and {@code POST /drain}.
 */
public final class AdminClient implements AutoCloseable {

    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    /** How long {@link #awaitValue} lets an asynchronous end (an upstream's close) reach the figures. */
    private static final Duration PATIENCE = Duration.ofSeconds(10);
    /** {@code name{labels} value}: one sample of the text exposition format. */
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
    private final URI base;

    public AdminClient(int port) {
        this.base = URI.create("http://127.0.0.1:" + port);
    }

    /** A GET on the admin listener. */
    public HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A POST without a body on the admin listener. */
    public HttpResponse<String> post(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(path)).timeout(TIMEOUT)
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** One scrape of {@code /metrics}. */
    public Scrape scrape() throws IOException, InterruptedException {
        HttpResponse<String> response = get("/metrics");
        if (response.statusCode() != 200) {
            throw new AssertionError("/metrics answered " + response.statusCode() + ": " + response.body());
        }
        return Scrape.parse(response.body());
    }

    /**
     * Scrapes until the series' value satisfies {@code wanted}: for figures that follow an asynchronous event, such
     * as an upstream stream's end after the client's terminate.
     *
     * @return the scrape where it did
     */
    public Scrape awaitValue(String name, Map<String, String> labels, DoublePredicate wanted) throws Exception {
        return await(scrape -> wanted.test(scrape.value(name, labels)));
    }

    /** As {@link #awaitValue}, for the sum over the series of {@code name} whose labels include {@code labels}. */
    public Scrape awaitSum(String name, Map<String, String> labels, DoublePredicate wanted) throws Exception {
        return await(scrape -> wanted.test(scrape.sum(name, labels)));
    }

    private Scrape await(java.util.function.Predicate<Scrape> wanted) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        Scrape scrape = scrape();
        while (!wanted.test(scrape) && System.nanoTime() < deadline) {
            Thread.sleep(20);
            scrape = scrape();
        }
        return scrape;
    }

    @Override
    public void close() {
        http.close();
    }

    /**
     * One scrape's samples, by name and labels.
     *
     * @param text the exposition as served
     */
    public record Scrape(String text, Map<String, Map<Map<String, String>, Double>> samples) {

        static Scrape parse(String text) {
            Map<String, Map<Map<String, String>, Double>> samples = new HashMap<>();
            for (String line : text.split("\n")) {
                if (line.startsWith("#") || line.isBlank()) {
                    continue;
                }
                Matcher sample = SAMPLE.matcher(line.trim());
                if (!sample.matches()) {
                    throw new AssertionError("not a sample line: " + line);
                }
                Map<String, String> labels = new TreeMap<>();
                if (sample.group(3) != null) {
                    Matcher label = LABEL.matcher(sample.group(3));
                    while (label.find()) {
                        labels.put(label.group(1), label.group(2));
                    }
                }
                samples.computeIfAbsent(sample.group(1), name -> new HashMap<>())
                        .put(labels, Double.parseDouble(sample.group(4)));
            }
            return new Scrape(text, samples);
        }

        /** The value of the series with exactly these labels; an AssertionError naming what exists if absent. */
        public double value(String name, Map<String, String> labels) {
            Map<Map<String, String>, Double> series = samples.get(name);
            Double value = series == null ? null : series.get(new TreeMap<>(labels));
            if (value == null) {
                throw new AssertionError("no series " + name + labels + "; "
                        + (series == null ? "no such metric" : "labels present: " + series.keySet()));
            }
            return value;
        }

        /** The sum over every series of {@code name} whose labels include {@code labels}. */
        public double sum(String name, Map<String, String> labels) {
            return samples.getOrDefault(name, Map.of()).entrySet().stream()
                    .filter(series -> series.getKey().entrySet().containsAll(labels.entrySet()))
                    .mapToDouble(Map.Entry::getValue).sum();
        }

        /** The value of a series without labels. */
        public double value(String name) {
            return value(name, Map.of());
        }

        /** Whether a metric of this name was served at all. */
        public boolean has(String name) {
            return samples.containsKey(name);
        }
    }
}
