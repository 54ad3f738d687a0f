package org.portico.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One XMPP session of the load generator, whatever its transport: the login every transport shares (stream, SASL
 * PLAIN, restart, bind, initial presence), then inbound text goes to an {@link InboundScanner}. Transports supply
 * how a stream is opened and restarted and how a stanza is sent. During login, inbound text is collected and waited
 * on; after it, it is scanned as it arrives. The client's monitor guards both.
 */
abstract class XmppClient implements AutoCloseable {

    static final String CLIENT_NS = "jabber:client";
    private static final Pattern FEATURES_END = Pattern.compile("</(?:stream:)?features>");
    private static final Pattern SASL_OUTCOME = Pattern.compile("<(success|failure)[\\s/>]");
    private static final Pattern BOUND_JID = Pattern.compile("<jid>([^<]+)</jid>");

    protected final String domain;
    private final Duration timeout;
    private final StringBuilder loginText = new StringBuilder();
    private InboundScanner scanner;
    private String jid;
    private volatile String failure;

    protected XmppClient(String domain, Duration timeout) {
        this.domain = domain;
        this.timeout = timeout;
    }

    /** Opens the first stream (c2s header, RFC 7395 open, BOSH session creation). */
    protected abstract void startStream() throws IOException, InterruptedException;

    /** Restarts the stream after SASL success. */
    protected abstract void restartStream() throws IOException, InterruptedException;

    /** Sends one stanza (or nonza) with its namespace declared. */
    abstract void send(String stanza) throws IOException, InterruptedException;

    /** Ends the session politely if the transport still works, and releases it; never throws. */
    @Override
    public abstract void close();

    /** Whether the server sent this session anything compressed. */
    abstract boolean compressed();

    /** Logs in and returns the bound full JID; afterwards inbound text goes to {@code sink}. */
    final String login(String user, String password, String resource, InboundScanner.Sink sink)
            throws IOException, InterruptedException {
        startStream();
        await(FEATURES_END, "stream features");
        String credentials = Base64.getEncoder().encodeToString(("\0" + user + "\0" + password)
                .getBytes(StandardCharsets.UTF_8));
        send("<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>" + credentials + "</auth>");
        Matcher outcome = await(SASL_OUTCOME, "SASL outcome");
        if (!outcome.group(1).equals("success")) {
            throw new IOException("SASL PLAIN failed for " + user);
        }
        restartStream();
        await(FEATURES_END, "stream features after the restart");
        send("<iq xmlns='" + CLIENT_NS + "' type='set' id='bind1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                + "<resource>" + resource + "</resource></bind></iq>");
        jid = await(BOUND_JID, "bound JID").group(1);
        synchronized (this) {
            scanner = new InboundScanner(sink);
            scanner.feed(loginText);
            loginText.setLength(0);
        }
        // Still one request at a time over BOSH: the server holds this one until the presence comes back to us.
        send("<presence xmlns='" + CLIENT_NS + "'/>");
        loggedIn();
        return jid;
    }

    /** Login is over: the transport may change how it sends (BOSH keeps a poll open from now on). */
    protected void loggedIn() {
    }

    String jid() {
        return jid;
    }

    /** Inbound text from the transport, in order. */
    protected final synchronized void inbound(CharSequence text) {
        if (scanner != null) {
            scanner.feed(text);
        } else {
            loginText.append(text);
            notifyAll();
        }
    }

    /** The transport failed or the server ended the session: login waits end, the run counts it. */
    protected final synchronized void failed(String reason) {
        if (failure == null) {
            failure = reason;
        }
        notifyAll();
    }

    String failure() {
        return failure;
    }

    /** Waits for {@code pattern} in the login text and drops the text up to the end of the match. */
    private synchronized Matcher await(Pattern pattern, String what) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Matcher matcher = pattern.matcher(loginText);
            if (matcher.find()) {
                Matcher result = pattern.matcher(loginText.substring(0, matcher.end()));
                result.find(matcher.start());
                loginText.delete(0, matcher.end());
                return result;
            }
            if (failure != null) {
                throw new IOException("waiting for " + what + ": " + failure);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IOException("no " + what + " within " + timeout.toMillis() + " ms");
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
