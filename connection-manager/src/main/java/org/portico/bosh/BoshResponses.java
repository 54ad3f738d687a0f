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
