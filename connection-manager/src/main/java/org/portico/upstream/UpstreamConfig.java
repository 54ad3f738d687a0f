package org.portico.upstream;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.portico.xml.XmlLimits;

/**
 * How Portico finds, reaches and secures the upstream XMPP server of each session. Immutable; validated here so a
 * bad setting fails at startup with a message naming it.
 *
 * <p>Portico must never be an open relay. A client names the XMPP domain ({@code to}) and may name a XEP-0124
 * {@code route}; Portico connects only where the operator said it may: a domain in {@link #domains}, any domain
 * that publishes {@code _xmpp-client._tcp} SRV records when {@link #srvLookup} is on, or a route listed verbatim in
 * {@link #routeAllowList}. A route that is not listed is ignored (XEP-0124 §7.1 lets a connection manager serving
 * fixed domains do so) and the domain decides alone.
 *
 * @param domains             {@code Map<String, UpstreamRoute>}, default empty: the XMPP domains served and the
 *                            server machine for each (RFC 6120 §3.2.3 "hardcoded" association). Keys are compared
 *                            case-insensitively; they win over DNS.
 * @param srvLookup           {@code boolean}, default false: for a domain not in {@code domains}, look up DNS SRV
 *                            {@code _xmpp-client._tcp.<domain>} (RFC 6120 §3.2.1), falling back to
 *                            {@code <domain>:5222} when DNS has none (§3.2.2). On, Portico serves any domain a
 *                            client names, as a public connection manager does; off, unknown domains get
 *                            HOST_UNKNOWN.
 * @param discoveredTls       {@link TlsPolicy}, default REQUIRED: STARTTLS policy for servers found by SRV, by the
 *                            5222 fallback, or through an allowed route.
 * @param trustStore          {@code Path}, default null (the JDK's default trust): certificates trusted for
 *                            upstream TLS, either a PEM file of one or more certificates or a PKCS12/JKS keystore.
 * @param trustStorePassword  {@code String}, default null: password of a PKCS12/JKS trust store; unused for PEM.
 * @param verifyHostname      {@code boolean}, default true: check the server certificate names the XMPP domain
 *                            (RFC 6125 DNS-ID via the JDK's "HTTPS" endpoint identification; SNI is the domain).
 *                            Turning it off still checks the chain of trust.
 * @param connectTimeout      {@code Duration}, default 10 s: bound on each TCP connect attempt, on DNS SRV queries,
 *                            and on each read while the stream is negotiated (header, features, STARTTLS); where
 *                            the poller reads the opening (no TLS), on the wait for the server's header and features.
 * @param closeTimeout        {@code Duration}, default 5 s: after Portico sends {@code </stream:stream>}, how long
 *                            it waits for the server's before closing the socket (RFC 6120 §4.4).
 * @param routeAllowList      {@code List<String>}, default empty: XEP-0124 {@code route} values
 *                            ({@code xmpp:host:port}) honoured when a client sends exactly one of them.
 * @param maxQueuedWriteBytes {@code int}, default 1 MiB (minimum 1024): bytes a stream may have queued but not yet
 *                            written; a stalled upstream that lets more pile up is aborted with CONNECTION_FAILED so
 *                            it cannot exhaust memory. Keep it above the transports' largest accepted payload.
 * @param xmlLimits           {@link XmlLimits}, default {@link XmlLimits#DEFAULT}: bounds on what the upstream
 *                            parser accepts; {@code maxBytes} bounds one top-level element.
 * @param pollers             {@code int}, default a quarter of the available processors and at least 1: threads
 *                            that read the open plain-TCP streams ({@link UpstreamPoller}), each a share of them;
 *                            one serves thousands of sessions, more spread the relaying over more cores.
 */
public record UpstreamConfig(
        Map<String, UpstreamRoute> domains,
        boolean srvLookup,
        TlsPolicy discoveredTls,
        Path trustStore,
        String trustStorePassword,
        boolean verifyHostname,
        Duration connectTimeout,
        Duration closeTimeout,
        List<String> routeAllowList,
        int maxQueuedWriteBytes,
        XmlLimits xmlLimits,
        int pollers) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_QUEUED_WRITE_BYTES = 1024 * 1024;
    /** One poller per four processors: on a small machine one thread, which is ample (docs/benchmarks.md). */
    public static final int DEFAULT_POLLERS = Math.max(1, Runtime.getRuntime().availableProcessors() / 4);
    /** More pollers than this is a typo, not a tuning. */
    static final int MAX_POLLERS = 256;
    /**
     * The least an upstream element may be, whatever {@code xml.maxBytes} says of clients: a roster, an archive page
     * or a vCard with a photo easily outgrows what a client may send.
     */
    static final int MIN_UPSTREAM_ELEMENT_BYTES = 1024 * 1024;

    /** What the upstream's parser accepts, given the bounds on clients' XML: the same, raised to 1 MiB of text. */
    public static XmlLimits xmlLimitsFor(XmlLimits clients) {
        return new XmlLimits(Math.max(clients.maxBytes(), MIN_UPSTREAM_ELEMENT_BYTES), clients.maxDepth(),
                clients.maxAttributes(), Math.max(clients.maxTextLength(), MIN_UPSTREAM_ELEMENT_BYTES));
    }

    public UpstreamConfig {
        Objects.requireNonNull(domains, "upstream.domains must not be null");
        Map<String, UpstreamRoute> normalized = new LinkedHashMap<>();
        for (Map.Entry<String, UpstreamRoute> entry : domains.entrySet()) {
            String domain;
            try {
                domain = UpstreamResolver.normalizeDomain(entry.getKey());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("upstream.domains: " + e.getMessage(), e);
            }
            if (entry.getValue() == null) {
                throw new IllegalArgumentException("upstream.domains: no route for " + domain);
            }
            if (normalized.put(domain, entry.getValue()) != null) {
                throw new IllegalArgumentException("upstream.domains: " + domain + " is configured twice");
            }
        }
        domains = Collections.unmodifiableMap(normalized);
        if (discoveredTls == null) {
            throw new IllegalArgumentException("upstream.discoveredTls must be REQUIRED, OPTIONAL or DISABLED");
        }
        if (trustStore != null && !(Files.isRegularFile(trustStore) && Files.isReadable(trustStore))) {
            throw new IllegalArgumentException("upstream.trustStore " + trustStore + " is not a readable file");
        }
        requirePositive("upstream.connectTimeout", connectTimeout);
        if (closeTimeout == null || closeTimeout.isNegative()) {
            throw new IllegalArgumentException("upstream.closeTimeout must be zero or more, was " + closeTimeout);
        }
        Objects.requireNonNull(routeAllowList, "upstream.routeAllowList must not be null");
        for (String route : routeAllowList) {
            try {
                UpstreamRoute.fromRoute(route, discoveredTls);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("upstream.routeAllowList: " + e.getMessage(), e);
            }
        }
        routeAllowList = List.copyOf(routeAllowList);
        if (maxQueuedWriteBytes < 1024) {
            throw new IllegalArgumentException(
                    "upstream.maxQueuedWriteBytes must be at least 1024, was " + maxQueuedWriteBytes);
        }
        if (xmlLimits == null) {
            throw new IllegalArgumentException("upstream.xmlLimits must not be null");
        }
        if (pollers < 1 || pollers > MAX_POLLERS) {
            throw new IllegalArgumentException("upstream.pollers must be from 1 to " + MAX_POLLERS + ", was " + pollers);
        }
    }

    /** Like the record's own, but never prints the trust store password. */
    @Override
    public String toString() {
        return "UpstreamConfig[domains=" + domains + ", srvLookup=" + srvLookup + ", discoveredTls=" + discoveredTls
                + ", trustStore=" + trustStore + ", trustStorePassword=" + (trustStorePassword == null ? null : "***")
                + ", verifyHostname=" + verifyHostname + ", connectTimeout=" + connectTimeout + ", closeTimeout="
                + closeTimeout + ", routeAllowList=" + routeAllowList + ", maxQueuedWriteBytes=" + maxQueuedWriteBytes
                + ", xmlLimits=" + xmlLimits + ", pollers=" + pollers + "]";
    }

    private static void requirePositive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, was " + value);
        }
    }

    /** Starts from the defaults documented on each component. */
    public static Builder builder() {
        return new Builder();
    }

    /** Mutable staging for an {@link UpstreamConfig}; {@link #build()} validates. */
    public static final class Builder {
        private final Map<String, UpstreamRoute> domains = new LinkedHashMap<>();
        private boolean srvLookup;
        private TlsPolicy discoveredTls = TlsPolicy.REQUIRED;
        private Path trustStore;
        private String trustStorePassword;
        private boolean verifyHostname = true;
        private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
        private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
        private final List<String> routeAllowList = new ArrayList<>();
        private int maxQueuedWriteBytes = DEFAULT_MAX_QUEUED_WRITE_BYTES;
        private XmlLimits xmlLimits = XmlLimits.DEFAULT;
        private int pollers = DEFAULT_POLLERS;

        private Builder() {
        }

        public Builder domain(String domain, UpstreamRoute route) {
            domains.put(domain, route);
            return this;
        }

        public Builder srvLookup(boolean on) {
            this.srvLookup = on;
            return this;
        }

        public Builder discoveredTls(TlsPolicy policy) {
            this.discoveredTls = policy;
            return this;
        }

        /** A PEM certificate file (password null) or a PKCS12/JKS keystore and its password. */
        public Builder trustStore(Path path, String password) {
            this.trustStore = path;
            this.trustStorePassword = password;
            return this;
        }

        public Builder verifyHostname(boolean on) {
            this.verifyHostname = on;
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = timeout;
            return this;
        }

        public Builder closeTimeout(Duration timeout) {
            this.closeTimeout = timeout;
            return this;
        }

        public Builder allowRoute(String route) {
            routeAllowList.add(route);
            return this;
        }

        public Builder maxQueuedWriteBytes(int bytes) {
            this.maxQueuedWriteBytes = bytes;
            return this;
        }

        public Builder xmlLimits(XmlLimits limits) {
            this.xmlLimits = limits;
            return this;
        }

        public Builder pollers(int threads) {
            this.pollers = threads;
            return this;
        }

        public UpstreamConfig build() {
            return new UpstreamConfig(domains, srvLookup, discoveredTls, trustStore, trustStorePassword,
                    verifyHostname, connectTimeout, closeTimeout, routeAllowList, maxQueuedWriteBytes, xmlLimits,
                    pollers);
        }
    }
}
