/**
 * What Portico tells its operator while it runs: the transport-neutral {@link org.portico.metrics.Metrics} events
 * the code on a stanza's path reports, their Prometheus series ({@link org.portico.metrics.PrometheusMetrics}, served
 * on the admin listener), and the observers that report them without touching the sessions: the upstream streams
 * ({@link org.portico.metrics.ObservedUpstreams}), the HTTP exchanges ({@link org.portico.metrics.HttpOutcomes}) and
 * the sessions in the store ({@link org.portico.metrics.SessionCensus}). {@code docs/monitoring.md} lists every
 * series.
 */
package org.portico.metrics;
