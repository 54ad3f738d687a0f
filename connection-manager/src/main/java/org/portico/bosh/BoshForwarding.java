package org.portico.bosh;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.portico.cluster.RequestForwarder;
import org.portico.cluster.SessionDirectory;
import org.portico.metrics.Metrics;
import org.portico.session.SessionLog;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A BOSH request for a session that lives on another cluster node ({@code docs/cluster.md}): the body goes to the
 * owner through the {@link RequestForwarder} (a POST's decoded body, an XEP-0252 GET's query as it came), and the
 * owner's answer is this request's answer, relayed as written, so the client never knows which node holds its
 * session. The request is held here while the owner holds it (up to the session's
 * {@code wait}, at most {@code bosh.maxWait}) plus {@code cluster.forwardTimeout} for the trip; a client that closes
 * its connection meanwhile cancels the forwarded request, and an owner that cannot be reached or does not answer in
 * time gets the client {@code item-not-found}, as a session that no longer exists would (XEP-0124 §17.1).
 *
 * <p>Stateless: each forwarded exchange is its own future.
 */
public final class BoshForwarding {

    private static final Logger log = LoggerFactory.getLogger(BoshForwarding.class);

    private final RequestForwarder forwarder;
    private final String path;
    private final Duration timeout;
    private final Metrics metrics;

    /**
     * @param path         the BOSH endpoint's path, the same on every node
     * @param maxWait      {@code bosh.maxWait}: the longest the owner may hold the request
     * @param forwardTimeout {@code cluster.forwardTimeout}: what the trip may add
     */
    public BoshForwarding(RequestForwarder forwarder, String path, Duration maxWait, Duration forwardTimeout,
            Metrics metrics) {
        this.forwarder = forwarder;
        this.path = path;
        this.timeout = maxWait.plus(forwardTimeout);
        this.metrics = metrics;
    }

    /** Sends the request to {@code owner} and answers {@code exchange} with what it says. */
    void forward(String sid, SessionDirectory.Node owner, byte[] body, BoshExchange exchange) {
        relay(sid, owner, forwarder.forward(owner, path, body, timeout), exchange);
    }

    /** Sends an XEP-0252 GET's query to {@code owner}, whose answer is already script syntax. */
    void forwardScript(String sid, SessionDirectory.Node owner, String rawQuery, BoshExchange exchange) {
        relay(sid, owner, forwarder.forwardQuery(owner, path, rawQuery, timeout), exchange);
    }

    private void relay(String sid, SessionDirectory.Node owner, CompletableFuture<RequestForwarder.Answer> answer,
            BoshExchange exchange) {
        // the local request waits a little longer than the forwarded one, whose own timeout then answers first
        exchange.holdFor(timeout.plusSeconds(1), BoshExchange.Listener.of(
                () -> failed(sid, owner, exchange, "no answer in " + timeout),
                () -> answer.cancel(true)));
        answer.whenComplete((reply, failure) -> {
            if (failure == null) {
                metrics.forwarded(Metrics.Forward.ANSWERED);
                exchange.relay(reply.status(), reply.contentType(), reply.body());
            } else if (!answer.isCancelled()) {
                failed(sid, owner, exchange, failure.toString());
            }
        });
    }

    private void failed(String sid, SessionDirectory.Node owner, BoshExchange exchange, String why) {
        metrics.forwarded(Metrics.Forward.FAILED);
        new SessionLog(log, sid, exchange.clientAddress()).info("BOSH request forwarded to node {} failed: {}; "
                + "answered {}", owner.name(), why, BoshCondition.ITEM_NOT_FOUND.wireName());
        exchange.respond(200, null, BoshResponses.terminal(BoshCondition.ITEM_NOT_FOUND, List.of()));
    }

    @Override
    public String toString() {
        return "BoshForwarding[" + path + " via " + forwarder + "]";
    }
}
