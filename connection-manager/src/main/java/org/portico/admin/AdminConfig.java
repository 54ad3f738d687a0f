package org.portico.admin;

import java.time.Duration;

/**
 * Portico's admin listener: Prometheus metrics, liveness, readiness and the drain, on an address of their own that
 * browsers never see (see {@code docs/monitoring.md}).
 *
 * @param enabled           whether the admin listener runs; default true (off for an embedded Portico built from
 *                          code, see {@code PorticoConfig})
 * @param host              address to bind; default {@code 127.0.0.1}: the metrics and {@code POST /drain} are for
 *                          the machine's own agents, not the network
 * @param port              port to bind (0 picks a free one, for tests); default 7071
 * @param upstreamTimeout   how long readiness waits for a TCP connection to each configured upstream; default 2 s
 * @param upstreamCheckEvery how long one readiness answer about the upstreams is reused, so probes that poll every
 *                          second do not open a connection to the XMPP server every second; default 5 s
 * @param drainGrace        the longest a drain takes: clients are told to leave at once, then Portico waits this long
 *                          at most for BOSH clients to collect their end and upstream streams to close, then exits;
 *                          default 30 s
 */
public record AdminConfig(boolean enabled, String host, int port, Duration upstreamTimeout,
        Duration upstreamCheckEvery, Duration drainGrace) {

    /** Every setting at its default: the listener on 127.0.0.1:7071. */
    public static final AdminConfig DEFAULT = builder().build();
    /** No admin listener; the drain still runs on {@code close} and SIGTERM with the default grace. */
    public static final AdminConfig OFF = builder().enabled(false).build();

    public AdminConfig {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("admin.host must not be empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("admin.port must be between 0 and 65535, was " + port);
        }
        if (upstreamTimeout == null || upstreamTimeout.isNegative() || upstreamTimeout.isZero()) {
            throw new IllegalArgumentException("admin.upstreamTimeout must be positive, was " + upstreamTimeout);
        }
        if (upstreamCheckEvery == null || upstreamCheckEvery.isNegative()) {
            throw new IllegalArgumentException("admin.upstreamCheckEvery must not be negative, was "
                    + upstreamCheckEvery);
        }
        if (drainGrace == null || drainGrace.isNegative()) {
            throw new IllegalArgumentException("admin.drainGrace must not be negative, was " + drainGrace);
        }
    }

    /** Starts from the defaults documented on each component. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts from these settings, to change some of them. */
    public Builder toBuilder() {
        return new Builder().enabled(enabled).host(host).port(port).upstreamTimeout(upstreamTimeout)
                .upstreamCheckEvery(upstreamCheckEvery).drainGrace(drainGrace);
    }

    /** Mutable staging for an {@link AdminConfig}, named field by field; {@link #build()} validates. */
    public static final class Builder {
        private boolean enabled = true;
        private String host = "127.0.0.1";
        private int port = 7071;
        private Duration upstreamTimeout = Duration.ofSeconds(2);
        private Duration upstreamCheckEvery = Duration.ofSeconds(5);
        private Duration drainGrace = Duration.ofSeconds(30);

        private Builder() {
        }

        public Builder enabled(boolean value) {
            enabled = value;
            return this;
        }

        public Builder host(String value) {
            host = value;
            return this;
        }

        public Builder port(int value) {
            port = value;
            return this;
        }

        public Builder upstreamTimeout(Duration value) {
            upstreamTimeout = value;
            return this;
        }

        public Builder upstreamCheckEvery(Duration value) {
            upstreamCheckEvery = value;
            return this;
        }

        public Builder drainGrace(Duration value) {
            drainGrace = value;
            return this;
        }

        public AdminConfig build() {
            return new AdminConfig(enabled, host, port, upstreamTimeout, upstreamCheckEvery, drainGrace);
        }
    }
}
