package org.portico.client;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ForwardedRequestCustomizer;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.InetAddressSet;

/**
 * {@code Forwarded} (RFC 7239) and {@code X-Forwarded-For/-Proto/-Host} believed only from a trusted reverse proxy.
 * Jetty's {@link ForwardedRequestCustomizer} rewrites a request's remote address, scheme and host from those
 * headers, but believes whoever sends them; any browser could then pick the address its sessions are logged and
 * limited under. So it runs only for a request whose TCP peer is in {@code client.trustedProxies}; any other request
 * keeps its socket's address, headers or not. With no trusted proxy, the headers are never read.
 *
 * <p>The proxy must set the header, not append to what the browser sent: Jetty takes the left-most
 * {@code X-Forwarded-For} entry (nginx: {@code proxy_set_header X-Forwarded-For $remote_addr}, not
 * {@code $proxy_add_x_forwarded_for}; {@code conf/nginx/portico.conf}).
 */
public final class TrustedProxies implements HttpConfiguration.Customizer {

    private final InetAddressSet trusted = new InetAddressSet();
    private final ForwardedRequestCustomizer forwarded = new ForwardedRequestCustomizer();

    /** @param proxies addresses or ranges, as {@link ClientConfig#trustedProxies()} accepts them */
    public TrustedProxies(List<String> proxies) {
        proxies.forEach(trusted::add);
    }

    /**
     * Adds this customizer to the HTTP configuration of every connector of {@code server} (HTTP/1.1, and HTTP/2 or
     * h2c where a connector has them), once per configuration; nothing when no proxy is trusted. Call it after the
     * connectors are added and before the server starts.
     */
    public static void install(Server server, List<String> proxies) {
        if (proxies.isEmpty()) {
            return;
        }
        TrustedProxies customizer = new TrustedProxies(proxies);
        Set<HttpConfiguration> configured = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Connector connector : server.getConnectors()) {
            for (ConnectionFactory factory : connector.getConnectionFactories()) {
                if (factory instanceof HttpConfiguration.ConnectionFactory http
                        && configured.add(http.getHttpConfiguration())) {
                    http.getHttpConfiguration().addCustomizer(customizer);
                }
            }
        }
    }

    /** Whether a TCP peer is a trusted proxy. */
    boolean trusts(SocketAddress peer) {
        return peer instanceof InetSocketAddress inet && inet.getAddress() != null && trusted.test(inet.getAddress());
    }

    @Override
    public Request customize(Request request, HttpFields.Mutable responseHeaders) {
        if (!trusts(request.getConnectionMetaData().getRemoteSocketAddress())) {
            return request;
        }
        return forwarded.customize(request, responseHeaders);
    }

    @Override
    public String toString() {
        return "TrustedProxies" + trusted;
    }
}
