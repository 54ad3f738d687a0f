package org.portico.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import org.portico.session.ClientSession.Standing;
import org.portico.session.SessionEnd;
import org.portico.upstream.UpstreamEnd;

/**
 * {@link Metrics} as Prometheus series, in one registry of this Portico's own (two Porticos in one JVM, as in the
 * tests, do not mix their figures), scraped on the admin listener. Names follow Prometheus' conventions: a
 * {@code portico_} prefix, {@code _total} on counters, base units (seconds, bytes) in the name. Every label value
 * comes from a closed set (an enum or a status class), so no client can make the series grow. The meaning of each
 * series is in {@code docs/monitoring.md}.
 *
 * <p>Counters and the histogram are the Prometheus client's own thread-safe types; gauges are callbacks that read
 * the state that owns them (the store, the sessions, the drain's gate) when a scrape asks.
 *
 * <p>The series moved for every message (WebSocket messages and octets, processing time, HTTP outcomes) are looked
 * up once, here, rather than by label values on every call, and keep no exemplars: Portico has no trace context to
 * attach, and sampling for one cost more than the increment itself (docs/benchmarks.md).
 */
public final class PrometheusMetrics implements Metrics {

    /**
     * Bucket bounds of the processing time, in seconds: from 10 µs (a stanza relayed without contention) to 1 s
     * (something is badly wrong: a lock held across I/O, a stalled client write).
     */
    private static final double[] PROCESSING_BOUNDS = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001,
        0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};
    private static final double NANOS_PER_SECOND = 1e9;
    /** Indexed by status class; "failed" (no status reached the client) at 0. */
    private static final String[] HTTP_OUTCOMES = {"failed", "1xx", "2xx", "3xx", "4xx", "5xx"};

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter sessionsStarted;
    private final Counter sessionsEnded;
    private final Counter upstreamConnects;
    private final Counter upstreamFailures;
    private final Counter reloads;
    private final Histogram processing;
    private final Counter websocketMessages;
    private final Counter websocketBytes;
    private final Counter httpRequests;
    private final Counter forwards;
    private final Counter redirectedResumptions;
    private final Map<Direction, DistributionDataPoint> processingBy = new EnumMap<>(Direction.class);
    private final Map<Direction, CounterDataPoint> websocketMessagesBy = new EnumMap<>(Direction.class);
    private final Map<Direction, CounterDataPoint> websocketBytesBy = new EnumMap<>(Direction.class);
    /** By status class (index 1 to 5), and "failed" at index 0. */
    private final CounterDataPoint[] httpRequestsBy = new CounterDataPoint[HTTP_OUTCOMES.length];

    /**
     * @param census        the sessions now, by transport and standing
     * @param storeSize     how many sessions the store holds (live, paused and ended ones not yet forgotten)
     * @param draining      whether the drain has begun
     */
    public PrometheusMetrics(Supplier<SessionCensus> census, IntSupplier storeSize, BooleanSupplier draining) {
        GaugeWithCallback.builder().name("portico_sessions")
                .help("Sessions in the store by transport and state (live, paused, ending, ended)")
                .labelNames("transport", "state")
                .callback(callback -> {
                    SessionCensus now = census.get();
                    for (Transport transport : Transport.values()) {
                        for (Standing standing : Standing.values()) {
                            callback.call(now.count(transport, standing), transport.label(), label(standing));
                        }
                    }
                }).register(registry);
        GaugeWithCallback.builder().name("portico_bosh_held_requests")
                .help("BOSH requests held by their sessions, waiting for something to answer (XEP-0124 §8)")
                .callback(callback -> callback.call(census.get().heldRequests())).register(registry);
        GaugeWithCallback.builder().name("portico_store_sessions")
                .help("Sessions held by the session store, ended ones not yet forgotten included")
                .callback(callback -> callback.call(storeSize.getAsInt())).register(registry);
        GaugeWithCallback.builder().name("portico_draining")
                .help("1 once this Portico drains (readiness 503, new sessions sent elsewhere), else 0")
                .callback(callback -> callback.call(draining.getAsBoolean() ? 1 : 0)).register(registry);

        sessionsStarted = Counter.builder().name("portico_sessions_started_total")
                .help("XMPP sessions started (one per upstream stream)").labelNames("transport").register(registry);
        sessionsEnded = Counter.builder().name("portico_sessions_ended_total")
                .help("XMPP sessions ended, by why").labelNames("transport", "cause").register(registry);
        upstreamConnects = Counter.builder().name("portico_upstream_connects_total")
                .help("Upstream streams opened (connected, STARTTLS done, server header received)")
                .register(registry);
        upstreamFailures = Counter.builder().name("portico_upstream_connect_failures_total")
                .help("Upstream streams that ended before they opened, by cause").labelNames("cause")
                .register(registry);
        reloads = Counter.builder().name("portico_reloads_resumed_total")
                .help("Sessions that outlived a page reload or a lost connection, by mechanism")
                .labelNames("mechanism").register(registry);
        processing = Histogram.builder().name("portico_stanza_processing_seconds").unit(Unit.SECONDS)
                .help("Portico's own time per client message (in) or server stanza (out)")
                .labelNames("direction").classicOnly().classicUpperBounds(PROCESSING_BOUNDS).withoutExemplars()
                .register(registry);
        websocketMessages = Counter.builder().name("portico_websocket_messages_total")
                .help("WebSocket text messages (RFC 7395: one stanza or framing element each)")
                .labelNames("direction").withoutExemplars().register(registry);
        websocketBytes = Counter.builder().name("portico_websocket_bytes_total").unit(Unit.BYTES)
                .help("UTF-8 payload octets of WebSocket text messages").labelNames("direction").withoutExemplars()
                .register(registry);
        httpRequests = Counter.builder().name("portico_http_requests_total")
                .help("HTTP exchanges on the public listener by outcome (status class, or failed)")
                .labelNames("outcome").withoutExemplars().register(registry);
        forwards = Counter.builder().name("portico_cluster_forwarded_requests_total")
                .help("BOSH requests for a session on another cluster node, forwarded to it, by outcome (answered, "
                        + "failed: the client got item-not-found)")
                .labelNames("outcome").register(registry);
        redirectedResumptions = Counter.builder().name("portico_cluster_redirected_resumptions_total")
                .help("WebSocket resumptions for a session on another cluster node, sent there with see-other-uri")
                .register(registry);
        initialise();
        JvmMetrics.builder().register(registry);
    }

    /** Known label values start at 0, so a rate over a series that has not moved yet is 0 rather than absent. */
    private void initialise() {
        for (Transport transport : Transport.values()) {
            sessionsStarted.initLabelValues(transport.label());
            for (SessionEnd.Cause cause : SessionEnd.Cause.values()) {
                sessionsEnded.initLabelValues(transport.label(), label(cause));
            }
        }
        for (UpstreamEnd.Reason cause : UpstreamEnd.Reason.values()) {
            upstreamFailures.initLabelValues(label(cause));
        }
        for (int i = 0; i < HTTP_OUTCOMES.length; i++) {
            httpRequestsBy[i] = httpRequests.labelValues(HTTP_OUTCOMES[i]);
        }
        for (Forward outcome : Forward.values()) {
            forwards.initLabelValues(label(outcome));
        }
        for (Reload reload : Reload.values()) {
            reloads.initLabelValues(reload.label());
        }
        for (Direction direction : Direction.values()) {
            websocketMessagesBy.put(direction, websocketMessages.labelValues(direction.label()));
            websocketBytesBy.put(direction, websocketBytes.labelValues(direction.label()));
            processingBy.put(direction, processing.labelValues(direction.label()));
        }
    }

    /** The registry the admin listener's exporter serves. */
    public PrometheusRegistry registry() {
        return registry;
    }

    @Override
    public void sessionStarted(Transport transport) {
        sessionsStarted.labelValues(transport.label()).inc();
    }

    @Override
    public void sessionEnded(Transport transport, SessionEnd.Cause cause) {
        sessionsEnded.labelValues(transport.label(), label(cause)).inc();
    }

    @Override
    public void upstreamConnected() {
        upstreamConnects.inc();
    }

    @Override
    public void upstreamFailed(UpstreamEnd.Reason cause) {
        upstreamFailures.labelValues(label(cause)).inc();
    }

    @Override
    public void reloadResumed(Reload mechanism) {
        reloads.labelValues(mechanism.label()).inc();
    }

    @Override
    public void stanzaProcessed(Direction direction, long nanos) {
        processingBy.get(direction).observe(nanos / NANOS_PER_SECOND);
    }

    @Override
    public void websocketMessage(Direction direction, long bytes) {
        websocketMessagesBy.get(direction).inc();
        websocketBytesBy.get(direction).inc(bytes);
    }

    @Override
    public void httpRequest(int status, boolean failed) {
        int statusClass = status / 100;
        httpRequestsBy[failed || statusClass < 1 || statusClass > 5 ? 0 : statusClass].inc();
    }

    @Override
    public void forwarded(Forward outcome) {
        forwards.labelValues(label(outcome)).inc();
    }

    @Override
    public void resumptionRedirected() {
        redirectedResumptions.inc();
    }

    private static String label(Enum<?> value) {
        return value.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "PrometheusMetrics[" + sessionsStarted.labelValues(Transport.BOSH.label()).get() + " BOSH and "
                + sessionsStarted.labelValues(Transport.WEBSOCKET.label()).get() + " WebSocket sessions started]";
    }
}
