package org.portico.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.xml.namespace.QName;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * A WebSocket page that reloads: the socket is dropped without {@code <close/>}, then the new page either presents
 * Portico's resume token ({@code urn:portico:resume:0}) or opens a new stream, logs in and resumes with XEP-0198.
 */
final class WebSocketReloadingReceiver implements ReloadingReceiver {

    private static final QName RESUMED = new QName(Namespaces.PORTICO_RESUME, "resumed");

    private final WebSocketTestClient client;
    private final boolean xep0198;
    private final List<String> bodies = new ArrayList<>();
    private final AtomicInteger pings = new AtomicInteger();
    private String user;

    WebSocketReloadingReceiver(WebSocketTestClient client, boolean xep0198) {
        this.client = client;
        this.xep0198 = xep0198;
    }

    @Override
    public String login(String user, String resource) throws Exception {
        this.user = user;
        String jid = client.login(user, LocalProsody.password(user), resource);
        if (xep0198) {
            client.enableStreamManagement();
        }
        return jid;
    }

    @Override
    public void reload() throws Exception {
        client.drop();
        if (xep0198) {
            client.reconnect();
            XmlElement answer = client.resumeStreamManagement(user, LocalProsody.password(user));
            if (!answer.is(Namespaces.SM, "resumed")) {
                throw new AssertionError("XEP-0198 resumption failed: " + answer);
            }
        } else {
            XmlElement open = client.resume();
            if (!"true".equals(open.attribute(RESUMED).orElse(null))) {
                throw new AssertionError("Portico did not resume the session: " + open);
            }
        }
        ping();
    }

    @Override
    public void ping() throws Exception {
        String id = "ping" + pings.incrementAndGet();
        client.send("<iq xmlns='jabber:client' type='get' id='" + id + "' to='" + LocalProsody.DOMAIN
                + "'><ping xmlns='urn:xmpp:ping'/></iq>");
        while (true) {
            XmlElement element = client.next();
            if (element.is(Namespaces.JABBER_CLIENT, "iq") && id.equals(element.attribute("id").orElse(null))) {
                return;
            }
            collect(element);
        }
    }

    @Override
    public List<String> bodies(int count, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (bodies.size() < count && System.nanoTime() < deadline) {
            collect(client.next());
        }
        return List.copyOf(bodies);
    }

    @Override
    public List<String> bodies() {
        return List.copyOf(bodies);
    }

    private void collect(XmlElement element) {
        if (element.is(Namespaces.JABBER_CLIENT, "message")) {
            element.child(Namespaces.JABBER_CLIENT, "body").ifPresent(body -> bodies.add(body.text()));
        }
    }

    @Override
    public void close() {
        client.close();
    }

    @Override
    public String toString() {
        return (xep0198 ? "WebSocket+XEP-0198" : "WebSocket token") + " receiver, " + bodies.size() + " received";
    }
}
