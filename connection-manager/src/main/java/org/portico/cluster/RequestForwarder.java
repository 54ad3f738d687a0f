package org.portico.cluster;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The internal HTTP client that carries a BOSH request which reached a node other than its session's owner to that
 * owner, and its answer back. A POST body is sent as it was decoded from the client (uncompressed), an XEP-0252 GET
 * with its query as it came; either is marked with
 * {@link #FORWARDED_BY} so the owner never forwards it again; the owner's status, content type and body come back
 * unchanged. Connections to each owner are kept alive and shared by every session (HTTP/1.1, as BOSH's own).
 *
 * <p>Holds no per-request state: each call returns its own future.
 */
public final class RequestForwarder implements AutoCloseable {

    /** Set on a forwarded request, naming the node that forwarded it: the owner answers it itself, whatever. */
    public static final String FORWARDED_BY = "Portico-Forwarded-By";
    private static final String CONTENT_TYPE = "text/xml; charset=utf-8";

    /** What the owner answered. */
    public record Answer(int status, String contentType, String body) {
    }

    private final String self;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient http;

    /**
     * @param self           this node's name, sent in {@link #FORWARDED_BY}
     * @param connectTimeout how long opening a connection to an owner may take
     */
    public RequestForwarder(String self, Duration connectTimeout) {
        this.self = self;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(connectTimeout)
                .followRedirects(HttpClient.Redirect.NEVER).executor(executor).build();
    }

    /**
     * Sends {@code body} to {@code path} on {@code owner}; the future fails when the owner cannot be reached or has
     * not answered within {@code timeout}.
     */
    public CompletableFuture<Answer> forward(SessionDirectory.Node owner, String path, byte[] body,
            Duration timeout) {
        return send(HttpRequest.newBuilder(URI.create(owner.internalUrl() + path)).header("Content-Type", CONTENT_TYPE)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)), timeout);
    }

    /**
     * Sends an XEP-0252 GET to {@code path} on {@code owner} with its query as the client escaped it; the answer is
     * script syntax, to be relayed as it is.
     */
    public CompletableFuture<Answer> forwardQuery(SessionDirectory.Node owner, String path, String rawQuery,
            Duration timeout) {
        return send(HttpRequest.newBuilder(URI.create(owner.internalUrl() + path + "?" + rawQuery)).GET(), timeout);
    }

    private CompletableFuture<Answer> send(HttpRequest.Builder request, Duration timeout) {
        return http.sendAsync(request.timeout(timeout).header(FORWARDED_BY, self).build(),
                HttpResponse.BodyHandlers.ofString()).thenApply(response -> new Answer(response.statusCode(),
                        response.headers().firstValue("Content-Type").orElse(null), response.body()));
    }

    @Override
    public void close() {
        http.close();
        executor.shutdownNow();
    }

    @Override
    public String toString() {
        return "RequestForwarder[" + self + "]";
    }
}
