package org.portico.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import javax.xml.namespace.QName;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlLimits;
import org.portico.xml.XmlParser;

/**
 * A {@link ResumingChatClient}'s WebSocket (RFC 7395): one element per message, sent in order by chaining each send
 * on the one before. A closed socket, an error, a stream error or Portico's {@code <close/>} (with or without
 * {@code see-other-uri}) ends the link, and the client resumes through the balancer.
 *
 * <p>Its monitor guards the chain of sends; the socket's listener runs one callback at a time.
 */
final class WebSocketLink implements ResumingChatClient.Link, WebSocket.Listener {

    private static final XmlParser PARSER = new XmlParser(XmlLimits.DEFAULT);
    private static final QName RESUME_TOKEN = new QName(Namespaces.PORTICO_RESUME, "token");

    private final ResumingChatClient client;
    private final URI endpoint;
    private final String domain;
    private final HttpClient http;
    private final StringBuilder partial = new StringBuilder();
    /** Completes with the socket once the handshake is done; what is sent before waits for it. */
    private final CompletableFuture<WebSocket> connected = new CompletableFuture<>();
    private CompletableFuture<WebSocket> sending = connected;
    private volatile boolean dead;
    private volatile String token;

    WebSocketLink(ResumingChatClient client, URI balancer, String domain, HttpClient http) {
        this.client = client;
        this.endpoint = URI.create(balancer.toString().replaceFirst("^http", "ws")).resolve("/xmpp-websocket");
        this.domain = domain;
        this.http = http;
    }

    @Override
    public void open() throws Exception {
        try {
            connected.complete(http.newWebSocketBuilder().connectTimeout(Duration.ofSeconds(10))
                    .subprotocols("xmpp").buildAsync(endpoint, this).get(20, TimeUnit.SECONDS));
        } catch (Exception e) {
            connected.completeExceptionally(e);
            throw e;
        }
        restart();
    }

    @Override
    public void restart() {
        send("<open xmlns='" + Namespaces.FRAMING + "' to='" + domain + "' version='1.0'/>");
    }

    @Override
    public synchronized void send(String... elements) {
        for (String element : elements) {
            sending = sending.thenCompose(socket -> socket.sendText(element, true));
        }
        // never inline, under this link's monitor: end() takes the client's, which is taken before the link's
        sending.whenCompleteAsync((socket, failure) -> {
            if (failure != null) {
                end("send failed: " + failure);
            }
        });
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            XmlElement element;
            try {
                element = PARSER.parseDocument(text.getBytes(StandardCharsets.UTF_8));
            } catch (Exception e) {
                end("unparseable frame " + text);
                return null;
            }
            if (element.is(Namespaces.FRAMING, "open")) {
                element.attribute(RESUME_TOKEN).ifPresent(value -> token = value);
            } else if (element.is(Namespaces.FRAMING, "close") || element.is(Namespaces.STREAMS, "error")) {
                end("server ended the stream: " + text);
                return null;
            }
            client.received(this, element);
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        end("socket closed " + statusCode + " " + reason);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        end("socket failed: " + error);
    }

    private void end(String why) {
        if (!dead) {
            dead = true;
            client.lost(this, why);
        }
    }

    @Override
    public String node() {
        String id = token;
        return id == null || id.indexOf('~') < 0 ? null : id.substring(0, id.indexOf('~'));
    }

    @Override
    public void abandon(boolean politely) {
        dead = true;
        CompletableFuture<WebSocket> chain;
        synchronized (this) {
            chain = sending;
        }
        try {
            WebSocket socket = (politely ? chain.thenCompose(s -> s.sendText("<close xmlns='" + Namespaces.FRAMING
                    + "'/>", true)) : chain).get(5, TimeUnit.SECONDS);
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "").get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            // the socket is gone already
        }
        chain.thenAccept(WebSocket::abort);
    }
}
