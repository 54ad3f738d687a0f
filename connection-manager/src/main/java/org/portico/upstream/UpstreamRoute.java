package org.portico.upstream;

import java.util.Locale;

/**
 * One place to connect to for an XMPP domain: a host, a port and the STARTTLS policy that applies there. Configured
 * per domain, discovered by DNS SRV, or named by an allowed XEP-0124 {@code route}.
 *
 * @param host DNS name or IP literal of the server machine (not the XMPP domain); required
 * @param port TCP port, 1–65535; 5222 is the IANA {@code xmpp-client} port (RFC 6120 §3.2.2)
 * @param tls  what to do about STARTTLS on this connection; required
 * @param proxyProtocol whether each connection starts with a PROXY protocol v2 header naming the client
 *             ({@link ProxyProtocolHeader}); only for a server configured to expect it on this port, which then
 *             refuses connections without it; default false
 */
public record UpstreamRoute(String host, int port, TlsPolicy tls, boolean proxyProtocol) {

    /** The IANA {@code xmpp-client} port, used when DNS has no SRV record (RFC 6120 §3.2.2). */
    public static final int DEFAULT_PORT = 5222;

    private static final String ROUTE_PROTOCOL = "xmpp:";

    /** A route without the PROXY protocol: how SRV records and XEP-0124 routes are reached. */
    public UpstreamRoute(String host, int port, TlsPolicy tls) {
        this(host, port, tls, false);
    }

    public UpstreamRoute {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("an upstream route needs a host");
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("upstream port must be 1-65535, was " + port + " for " + host);
        }
        if (tls == null) {
            throw new IllegalArgumentException("upstream route " + host + " needs a TLS policy");
        }
        host = host.toLowerCase(Locale.ROOT);
    }

    /**
     * Reads a XEP-0124 §7.1 {@code route} of the form {@code xmpp:host:port}. It is split on its first and last
     * colon and never parsed as a URI or IRI (R10); an IPv6 host is written in brackets.
     *
     * @throws IllegalArgumentException when the value is not {@code xmpp:host:port}
     */
    public static UpstreamRoute fromRoute(String route, TlsPolicy tls) {
        if (route == null || !route.startsWith(ROUTE_PROTOCOL)) {
            throw new IllegalArgumentException("route must look like xmpp:host:port, was " + route);
        }
        String hostPort = route.substring(ROUTE_PROTOCOL.length());
        int colon = hostPort.lastIndexOf(':');
        if (colon <= 0 || colon == hostPort.length() - 1) {
            throw new IllegalArgumentException("route must look like xmpp:host:port, was " + route);
        }
        String host = hostPort.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(hostPort.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("route port is not a number in " + route);
        }
        return new UpstreamRoute(host, port, tls);
    }

    /** {@code host:port}, with an IPv6 host in brackets, for logs. */
    public String address() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }
}
