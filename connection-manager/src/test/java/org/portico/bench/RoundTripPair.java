package org.portico.bench;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.portico.testing.BoshTestClient;
import org.portico.testing.LocalProsody;
import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * Two BOSH clients logged in on one endpoint, each keeping a request held, that time message round trips: A sends
 * to B, B answers as soon as the message arrives, and the round trip ends when A has the answer. Not thread-safe:
 * one bench thread drives it.
 */
final class RoundTripPair implements AutoCloseable {

    private final String name;
    private final BoshTestClient a;
    private final BoshTestClient b;
    private final String aJid;
    private final String bJid;
    private final Duration timeout;
    private CompletableFuture<Void> aSend = CompletableFuture.completedFuture(null);
    private CompletableFuture<Void> bSend = CompletableFuture.completedFuture(null);

    private RoundTripPair(String name, BoshTestClient a, BoshTestClient b, String aJid, String bJid,
            Duration timeout) {
        this.name = name;
        this.a = a;
        this.b = b;
        this.aJid = aJid;
        this.bJid = bJid;
        this.timeout = timeout;
    }

    /** Logs both users in at {@code endpoint} (SASL PLAIN, restart, bind) and starts their held polls. */
    static RoundTripPair open(String name, URI endpoint, String domain, String userA, String userB,
            Duration timeout) throws Exception {
        BoshTestClient a = new BoshTestClient(endpoint, domain);
        BoshTestClient b = new BoshTestClient(endpoint, domain);
        try {
            String aJid = a.login(userA, LocalProsody.password(userA), "bench");
            String bJid = b.login(userB, LocalProsody.password(userB), "bench");
            a.startPolling();
            b.startPolling();
            return new RoundTripPair(name, a, b, aJid, bJid, timeout);
        } catch (Exception | Error e) {
            a.close();
            b.close();
            throw e;
        }
    }

    String name() {
        return name;
    }

    /**
     * One round trip, in nanoseconds; {@code n} tags the messages so a stray one cannot end it. Sends do not wait
     * for their own responses (browsers do not either): the answer may come on the held poll or on the send.
     */
    long roundTrip(int n) throws Exception {
        // Each client keeps at most a poll and a send outstanding (requests='2'): the previous send must be done.
        aSend.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        bSend.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        String ping = "ping " + n;
        String pong = "pong " + n;
        long start = System.nanoTime();
        aSend = a.sendAsync(chat(bJid, ping));
        expect(b, ping, aJid, aSend);
        bSend = b.sendAsync(chat(aJid, pong));
        expect(a, pong, bJid, bSend);
        return System.nanoTime() - start;
    }

    private static String chat(String to, String text) {
        return "<message xmlns='jabber:client' type='chat' to='" + to + "'><body>" + text + "</body></message>";
    }

    private void expect(BoshTestClient client, String body, String from, CompletableFuture<Void> send)
            throws Exception {
        XmlElement message = client.nextMessage(timeout);
        if (message == null) {
            XmlElement terminal = client.terminal();
            String sendFailure = send.isCompletedExceptionally() ? "; the send failed: "
                    + send.exceptionNow() : "";
            throw new IllegalStateException(name + ": no '" + body + "' within " + timeout
                    + (terminal == null ? "" : "; the session ended: " + terminal) + sendFailure);
        }
        String text = message.child(Namespaces.JABBER_CLIENT, "body").map(XmlElement::text).orElse("");
        String sender = message.attribute("from").orElse("");
        if (!text.equals(body) || !sender.equals(from)) {
            throw new IllegalStateException(name + ": expected '" + body + "' from " + from + ", got '" + text
                    + "' from " + sender);
        }
    }

    @Override
    public void close() {
        a.close();
        b.close();
    }
}
