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
    BOSH("bosh", "/http-bind"),
    /** RFC 7395 at {@code /xmpp-websocket}, with Portico's resume extension. */
    WEBSOCKET("websocket", "/xmpp-websocket");

    final String pageValue;
    private final String path;

    Transport(String pageValue, String path) {
        this.pageValue = pageValue;
        this.path = path;
    }

    /**
     * Skips the calling test while this Portico build has no endpoint for the transport at all (HTTP 404 at its
     * path): the WebSocket transport is being built on its own branch, and these tests run as soon as it is
     * there. Any other answer, including a refused handshake, lets the test run and show what is wrong.
     */
    void assumeServedBy(URI portico) {
        HttpRequest probe = HttpRequest.newBuilder(portico.resolve(path)).timeout(Duration.ofSeconds(5))
                .GET().build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            int status = http.send(probe, HttpResponse.BodyHandlers.discarding()).statusCode();
            Assumptions.assumeTrue(status != 404, "this Portico has no " + name() + " endpoint at " + path
                    + " (HTTP 404)");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
