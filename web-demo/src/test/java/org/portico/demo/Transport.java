package org.portico.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Assumptions;

/** The page's two transports, by the value of its {@code #transport} select. */
enum Transport {
    /** XEP-0124 + XEP-0206 at {@code /http-bind}. */
    BOSH("bosh", "urn:xmpp:alt-connections:xbosh"),
    /** RFC 7395 at {@code /xmpp-websocket}, with Portico's resume extension. */
    WEBSOCKET("websocket", "urn:xmpp:alt-connections:websocket");

    final String pageValue;
    private final String hostMetaRel;

    Transport(String pageValue, String hostMetaRel) {
        this.pageValue = pageValue;
        this.hostMetaRel = hostMetaRel;
    }

    /**
     * Skips the calling test while this Portico does not offer the transport in its host-meta (XEP-0156), where the
     * page looks for its endpoints: the WebSocket transport is being built on its own branch, and the WebSocket
     * tests run as soon as Portico offers it.
     */
    void assumeOfferedBy(URI portico) {
        HttpRequest request = HttpRequest.newBuilder(portico.resolve("/.well-known/host-meta.json"))
                .timeout(Duration.ofSeconds(5)).build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            String hostMeta = http.send(request, HttpResponse.BodyHandlers.ofString()).body();
            Assumptions.assumeTrue(hostMeta.contains(hostMetaRel), "this Portico does not offer " + name()
                    + ": no " + hostMetaRel + " link in its host-meta " + hostMeta);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
