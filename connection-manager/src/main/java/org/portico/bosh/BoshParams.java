package org.portico.bosh;

import java.time.Duration;
import java.util.OptionalLong;
import org.portico.upstream.StreamHeader;

/**
 * What one BOSH session agreed on at creation (XEP-0124 §7.1–7.2): the client's request bounded by
 * {@link BoshConfig}. Immutable.
 *
 * @param creationRid the rid of the session creation request
 * @param waitDuration longest hold of one request; zero for a polling session
 * @param hold        most requests held at once; zero for a polling session
 * @param requests    most simultaneous requests, hold + 1 (R15), which is also the rid window (§14.2)
 * @param acks        whether the client asked for acknowledgements ({@code ack='1'}, §9)
 * @param contentType the Content-Type the client asked for every response (R13), or null for the default
 * @param version     the agreed protocol version, or null for a legacy client without {@code ver} (R54)
 * @param header      the upstream stream header the client asked for ({@code to}, {@code from}, {@code xml:lang},
 *                    {@code xmpp:version})
 * @param route       the client's {@code route}, or null
 */
public record BoshParams(long creationRid, Duration waitDuration, int hold, int requests, boolean acks, String contentType,
        BoshVersion version, StreamHeader header, String route) {

    public boolean polling() {
        return waitDuration.isZero() || hold == 0;
    }

    public boolean legacy() {
        return version == null;
    }

    /** Negotiates a session from its creation request; a missing {@code to} is {@code improper-addressing}. */
    public static BoshParams negotiate(BoshRequest request, BoshConfig config) throws BoshException {
        String to = request.attribute(BoshNames.TO).orElse("").trim();
        if (to.isEmpty()) {
            throw new BoshException(BoshCondition.IMPROPER_ADDRESSING, "session request without 'to'");
        }
        OptionalLong requestedWait = request.number(BoshNames.WAIT);
        Duration wait = requestedWait.isPresent()
                ? min(Duration.ofSeconds(requestedWait.getAsLong()), config.maxWait())
                : config.maxWait();
        OptionalLong requestedHold = request.number(BoshNames.HOLD);
        int hold = (int) Math.min(requestedHold.orElse(1), config.maxHold());
        BoshVersion version = null;
        if (request.attribute(BoshNames.VER).isPresent()) {
            String ver = request.attribute(BoshNames.VER).get();
            version = BoshVersion.parse(ver)
                    .orElseThrow(() -> new BoshException(BoshCondition.BAD_REQUEST, "malformed ver: " + ver))
                    .lowerOf(BoshVersion.SUPPORTED);
        }
        boolean acks = "1".equals(request.attribute(BoshNames.ACK).orElse(null));
        String content = request.attribute(BoshNames.CONTENT).orElse(null);
        if (wait.isZero()) {
            hold = 0;
        }
        StreamHeader header = new StreamHeader(to, request.attribute(BoshNames.FROM).orElse(null),
                request.attribute(BoshNames.XML_LANG).orElse(null),
                request.attribute(BoshNames.XMPP_VERSION).orElse(null));
        return new BoshParams(request.rid(), wait, hold, hold + 1, acks, content,
                version, header,
                request.attribute(BoshNames.ROUTE).orElse(null));
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
