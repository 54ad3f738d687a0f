package org.portico.http;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlWriter;

/**
 * XEP-0156 §3: {@code /.well-known/host-meta} (XRD) and {@code host-meta.json} (JRD) advertising Portico's BOSH and
 * WebSocket endpoints, so clients discover them from the domain (R71, R97). Cross-origin reads are allowed on these
 * two files whatever the CORS allow-list says, as XEP-0156 asks.
 */
public final class HostMetaServlet extends HttpServlet {

    static final String BOSH_REL = "urn:xmpp:alt-connections:xbosh";
    static final String WEBSOCKET_REL = "urn:xmpp:alt-connections:websocket";

    private final String publicUrl;
    private final String boshPath;
    private final String websocketPath;

    /**
     * @param websocketPath the WebSocket endpoint's path, or null when WebSocket is off
     */
    public HostMetaServlet(String publicUrl, String boshPath, String websocketPath) {
        this.publicUrl = publicUrl;
        this.boshPath = boshPath;
        this.websocketPath = websocketPath;
    }

    @Override
    protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
        String base = publicUrl.isEmpty() ? baseOf(request) : publicUrl;
        String bosh = base + boshPath;
        String websocket = websocketPath == null ? null : base.replaceFirst("^http", "ws") + websocketPath;
        boolean json = request.getRequestURI().endsWith(".json");
        String body = json ? json(bosh, websocket) : xrd(bosh, websocket);
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        response.setContentType(json ? "application/json" : "application/xrd+xml; charset=utf-8");
        response.setHeader("Access-Control-Allow-Origin", "*");
        response.setContentLength(bytes.length);
        response.getOutputStream().write(bytes);
    }

    private static String baseOf(HttpServletRequest request) {
        String scheme = request.getScheme();
        int port = request.getServerPort();
        boolean defaultPort = ("http".equals(scheme) && port == 80) || ("https".equals(scheme) && port == 443);
        return scheme + "://" + request.getServerName() + (defaultPort ? "" : ":" + port)
                + request.getContextPath();
    }

    private static String xrd(String bosh, String websocket) {
        StringBuilder out = new StringBuilder("<?xml version='1.0' encoding='utf-8'?>\n<XRD xmlns='")
                .append(Namespaces.XRD).append("'>\n");
        link(out, BOSH_REL, bosh);
        if (websocket != null) {
            link(out, WEBSOCKET_REL, websocket);
        }
        return out.append("</XRD>\n").toString();
    }

    private static void link(StringBuilder out, String rel, String href) {
        out.append("  <Link rel=\"").append(rel).append("\" href=\"");
        XmlWriter.escapeAttribute(href, out);
        out.append("\"/>\n");
    }

    private static String json(String bosh, String websocket) {
        StringBuilder out = new StringBuilder("{\"links\":[");
        out.append("{\"rel\":\"").append(BOSH_REL).append("\",\"href\":\"").append(jsonEscape(bosh)).append("\"}");
        if (websocket != null) {
            out.append(",{\"rel\":\"").append(WEBSOCKET_REL).append("\",\"href\":\"").append(jsonEscape(websocket))
                    .append("\"}");
        }
        return out.append("]}").toString();
    }

    private static String jsonEscape(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
