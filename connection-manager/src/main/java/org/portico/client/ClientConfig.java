package org.portico.client;

import java.time.Duration;
import java.util.List;
import org.eclipse.jetty.util.InetAddressSet;

/**
 * The client's address and the limits per address ({@code client.*} in {@code conf/portico.properties}).
 *
 * @param trustedProxies        addresses or ranges ({@code 10.0.0.5}, {@code 10.0.0.0/8}, {@code ::1},
 *                              {@code 10.0.0.1-10.0.0.9}) of the reverse proxies whose {@code Forwarded} and
 *                              {@code X-Forwarded-*} headers are believed; a request from any other peer keeps its
 *                              socket's address whatever it sends; default empty (no proxy believed)
 * @param maxSessionsPerAddress most sessions, live or paused, both transports together, one client address may hold;
 *                              default 2000, above what a corporate NAT of a few hundred users, each with a few tabs
 *                              and devices, opens
 * @param newSessionsPerSecond  sustained rate of session creations one address may make; default 50
 * @param newSessionsBurst      how many creations one address may make at once above that rate (a token bucket of
 *                              this size, refilled at {@code newSessionsPerSecond}); default 500, so a whole NAT
 *                              logging in again after a restart is let through within seconds
 */
public record ClientConfig(List<String> trustedProxies, int maxSessionsPerAddress, int newSessionsPerSecond,
        int newSessionsBurst) {

    /** Every setting at its default. */
    public static final ClientConfig DEFAULT = builder().build();

    public ClientConfig {
        trustedProxies = List.copyOf(trustedProxies);
        InetAddressSet check = new InetAddressSet();
        for (String proxy : trustedProxies) {
            try {
                check.add(proxy);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("client.trustedProxies: '" + proxy + "' is not an IP address, a "
                        + "CIDR range or a from-to range");
            }
        }
        if (maxSessionsPerAddress < 1) {
            throw new IllegalArgumentException("client.maxSessionsPerAddress must be at least 1, was "
                    + maxSessionsPerAddress);
        }
        if (newSessionsPerSecond < 1) {
            throw new IllegalArgumentException("client.newSessionsPerSecond must be at least 1, was "
                    + newSessionsPerSecond);
        }
        if (newSessionsBurst < 1) {
            throw new IllegalArgumentException("client.newSessionsBurst must be at least 1, was " + newSessionsBurst);
        }
    }

    /** How long an address that makes no new session takes to have its whole burst again. */
    Duration refillTime() {
        return Duration.ofNanos(Math.ceilDiv(newSessionsBurst * 1_000_000_000L, newSessionsPerSecond));
    }

    /** Starts from the defaults documented on each component. */
    public static Builder builder() {
        return new Builder();
    }

    /** Mutable staging for a {@link ClientConfig}, named field by field; {@link #build()} validates. */
    public static final class Builder {
        private List<String> trustedProxies = List.of();
        private int maxSessionsPerAddress = 2000;
        private int newSessionsPerSecond = 50;
        private int newSessionsBurst = 500;

        private Builder() {
        }

        public Builder trustedProxies(List<String> value) {
            trustedProxies = value;
            return this;
        }

        public Builder maxSessionsPerAddress(int value) {
            maxSessionsPerAddress = value;
            return this;
        }

        public Builder newSessionsPerSecond(int value) {
            newSessionsPerSecond = value;
            return this;
        }

        public Builder newSessionsBurst(int value) {
            newSessionsBurst = value;
            return this;
        }

        public ClientConfig build() {
            return new ClientConfig(trustedProxies, maxSessionsPerAddress, newSessionsPerSecond, newSessionsBurst);
        }
    }
}
