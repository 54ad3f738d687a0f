package org.portico.websocket;

import java.net.URI;
import java.util.List;
import java.util.Locale;

/**
 * Which pages may open a WebSocket to Portico: the same allow-list as BOSH's CORS ({@code http.allowedOrigins},
 * {@code *} for any), plus the page's own origin, which is always allowed: an {@code Origin} naming the host (and
 * port, when the {@code Host} header has one) the request was sent to, or the configured public URL. A request
 * without {@code Origin} comes from a non-browser client, which an origin check cannot and need not restrict.
 * Browsers send {@code Origin} on every WebSocket handshake, so a hostile page cannot ride a user's session here.
 * Pure and immutable.
 */
final class OriginPolicy {

    private final List<String> allowed;
    private final boolean any;
    private final String publicOrigin;

    /**
     * @param allowedOrigins {@code http.allowedOrigins}
     * @param publicUrl      {@code http.publicUrl}, or empty
     */
    OriginPolicy(List<String> allowedOrigins, String publicUrl) {
        this.allowed = allowedOrigins.stream().map(OriginPolicy::normalized).toList();
        this.any = allowedOrigins.contains("*");
        this.publicOrigin = publicUrl.isEmpty() ? null : originOf(publicUrl);
    }

    /**
     * @param origin the {@code Origin} header, or null
     * @param host   the {@code Host} header, or null
     */
    boolean allows(String origin, String host) {
        if (origin == null || any) {
            return true;
        }
        String normalized = normalized(origin);
        return allowed.contains(normalized) || normalized.equals(publicOrigin) || sameOrigin(normalized, host);
    }

    private static boolean sameOrigin(String origin, String host) {
        if (host == null || host.isBlank()) {
            return false;
        }
        URI uri;
        try {
            uri = URI.create(origin);
        } catch (IllegalArgumentException e) {
            return false;
        }
        if (uri.getHost() == null) {
            return false;
        }
        String hostName = host;
        int port = -1;
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']', colon) < 0) {
            hostName = host.substring(0, colon);
            try {
                port = Integer.parseInt(host.substring(colon + 1));
            } catch (NumberFormatException e) {
                return false;
            }
        }
        if (!uri.getHost().equalsIgnoreCase(hostName)) {
            return false;
        }
        // behind a TLS-terminating proxy the Host header often has no port: the host name decides then
        return port < 0 || port == effectivePort(uri);
    }

    private static int effectivePort(URI uri) {
        if (uri.getPort() >= 0) {
            return uri.getPort();
        }
        return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private static String originOf(String url) {
        URI uri = URI.create(url);
        return normalized(uri.getScheme() + "://" + uri.getRawAuthority());
    }

    private static String normalized(String origin) {
        String trimmed = origin.trim().toLowerCase(Locale.ROOT);
        return trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
    }

    @Override
    public String toString() {
        return "OriginPolicy[" + (any ? "*" : allowed) + (publicOrigin != null ? " + " + publicOrigin : "") + "]";
    }
}
