package org.portico.bosh;

import java.util.List;
import org.portico.session.SessionEnd;
import org.portico.xml.XmlElement;

/** The fixed shapes of BOSH responses: the creation attributes, terminal bodies, and conditions for session ends. */
final class BoshResponses {

    private BoshResponses() {
    }

    /** R15–R19, R50, R77: the session attributes, on the creation response only. */
    static void creationAttributes(BoshBody body, String sid, BoshParams params, BoshConfig config,
            BoshStreams streams, boolean keysInUse) {
        body.attribute(BoshNames.SID, sid)
                .attribute(BoshNames.WAIT, params.waitDuration().toSeconds())
                .attribute(BoshNames.REQUESTS, params.requests())
                .attribute(BoshNames.HOLD, params.hold())
                .attribute(BoshNames.POLLING, config.polling().toSeconds())
                .attribute(BoshNames.INACTIVITY, config.inactivity().toSeconds())
                .attribute(BoshNames.ACCEPT, "gzip,deflate")
                .attribute(BoshNames.CHARSETS, config.charsets().isEmpty() ? null : String.join(" ",
                        config.charsets()))
                .attribute(BoshNames.XMPP_RESTARTLOGIC, "true");
        if (!config.maxPause().isZero()) {
            body.attribute(BoshNames.MAXPAUSE, config.maxPause().toSeconds());
        }
        if (params.version() != null) {
            body.attribute(BoshNames.VER, params.version());
        }
        if (params.acks()) {
            body.attribute(BoshNames.ACK, params.creationRid());
        }
        if (config.maxStreams() > 1) {
            body.attribute(BoshNames.STREAM, streams.firstName());
        }
        BoshStreams.Stream first = streams.get(streams.firstName());
        XmlElement header = first == null ? null : first.header;
        if (header != null) {
            header.attribute("from").ifPresent(from -> body.attribute(BoshNames.FROM, from));
            header.attribute("id").ifPresent(id -> body.attribute(BoshNames.AUTHID, id));
            body.attribute(BoshNames.XMPP_VERSION, header.attribute("version").orElse(null));
        }
    }

    /**
     * What the next response carries: the payloads of one stream (§16.4: one stream per body), or the end of one
     * stream of several (§16.6), or nothing.
     *
     * @param body     the response, without the attributes that depend on its rid ({@code ack}, creation)
     * @param stream   the stream it speaks for, or null
     * @param payloads the payloads taken from pending for it (put back if the response is never delivered)
     * @param carries  whether it carries anything: payloads or a stream's end (§12 asks about empty responses)
     */
    record Assembled(BoshBody body, String stream, List<XmlElement> payloads, boolean carries) {
    }

    /**
     * Takes what the next response carries from {@code pending}.
     *
     * @param mayCarry    false while another answer's payloads are still being written: this one carries none
     * @param addedStream the stream a request asked to add (§16.3): its response names it and carries nothing else
     * @param report      a missed response to report (§9.2, R28), or null
     */
    static Assembled next(PendingPayloads pending, boolean mayCarry, BoshStreams streams, String addedStream,
            RidWindow.Report report) {
        BoshBody body = new BoshBody();
        if (report != null) {
            body.attribute(BoshNames.REPORT, report.reportRid()).attribute(BoshNames.TIME, report.timeMillis());
        }
        boolean carry = mayCarry && !pending.isEmpty();
        String stream = addedStream != null ? addedStream : carry ? pending.peek().stream() : null;
        List<XmlElement> run = List.of();
        boolean streamEnd = addedStream == null && carry && pending.nextIsStreamEnd();
        if (streamEnd) {
            PendingPayloads.Item end = pending.pollStreamEnd();
            body.attribute(BoshNames.TYPE, BoshNames.TYPE_TERMINATE)
                    .attribute(BoshNames.CONDITION, end.streamEnd().wireName());
            if (end.element() != null) {
                body.payload(end.element());
            }
        } else if (stream != null && carry) {
            run = pending.takeRun(stream);
            body.payloads(run);
        }
        if (stream != null && (addedStream != null || streams.mustName(stream))) {
            body.attribute(BoshNames.STREAM, stream);
        }
        return new Assembled(body, stream, run, streamEnd || !run.isEmpty());
    }

    /** An empty body: a pause's answer (§10), or one that carries nothing back. */
    static String empty() {
        return BoshBody.EMPTY;
    }

    /** A recoverable error: the client resends the request (§17.3). */
    static String recoverableError() {
        return new BoshBody().attribute(BoshNames.TYPE, BoshNames.TYPE_ERROR).text();
    }

    /** {@code <body type='terminate' condition='…'>} with the given payloads (XEP-0206 §6: stanzas, then the error). */
    static String terminal(BoshCondition condition, List<XmlElement> payloads) {
        BoshBody body = new BoshBody().attribute(BoshNames.TYPE, BoshNames.TYPE_TERMINATE);
        if (condition != null) {
            body.attribute(BoshNames.CONDITION, condition.wireName());
        }
        return body.payloads(payloads).text();
    }

    /** XEP-0124 §17.2 and XEP-0206 §6: how each way a session can end reads on the wire; null for a plain end. */
    static BoshCondition conditionFor(SessionEnd.Cause cause) {
        return switch (cause) {
            case CLIENT_CLOSED, SERVER_CLOSED, EXPIRED -> null;
            case REMOTE_STREAM_ERROR -> BoshCondition.REMOTE_STREAM_ERROR;
            case HOST_UNKNOWN -> BoshCondition.HOST_UNKNOWN;
            case REMOTE_CONNECTION_FAILED -> BoshCondition.REMOTE_CONNECTION_FAILED;
            case PROTOCOL_ERROR -> BoshCondition.UNDEFINED_CONDITION;
            case SYSTEM_SHUTDOWN -> BoshCondition.SYSTEM_SHUTDOWN;
        };
    }
}
