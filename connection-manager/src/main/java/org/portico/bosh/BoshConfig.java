package org.portico.bosh;

import java.time.Duration;
import java.util.List;

/**
 * The BOSH transport's settings (XEP-0124 §7.2): what Portico offers each session and the bounds it enforces.
 *
 * @param path                 path of the endpoint; default {@code /http-bind}
 * @param maxWait              longest a request is held (a client asking more gets this); default 60 s. A request
 *                             with nothing to carry is answered on a 0.5 s beat ({@code HeldRequestWaits}), up to half
 *                             a second before its wait ends, never after
 * @param maxHold              most requests held at once (a client's {@code hold} above it is lowered); default 1,
 *                             as Prosody and ejabberd grant: a client given 2 (StanzaJS asks for it) keeps both
 *                             held and cannot send until one returns, up to {@code wait}; more than 1 only helps
 *                             clients that pipeline over several connections, at one more held connection each
 * @param polling              shortest interval between polls of a polling session (§12); default 2 s
 * @param inactivity           longest idle time with no request held before the session ends (§10); default 60 s
 * @param maxPause             longest pause a client may ask (§10); {@link Duration#ZERO} disables pause; default 120 s
 * @param maxPendingBytes      upstream data queued for a client that is not polling, before the session is ended
 *                             with {@code policy-violation}; default 4 MiB
 * @param maxBufferedResponses responses kept for resending when the client uses acks (§9, §14.3); default 64
 * @param maxRidRepeats        most repeats of one rid before {@code policy-violation} (R45); default 4
 * @param maxStreams           most XMPP streams in one session (§16); 1 disables multi-streams; default 4
 * @param scriptSyntax         whether XEP-0252 GET requests are served (legacy browsers); default false
 * @param reportAfter          how old an unacknowledged response must be before a lagging client ack is answered
 *                             with {@code report} (§9.2): clients ack a response only after handling it, so a
 *                             younger one is most likely still on its way; default 1 s
 * @param ridGapGrace          how long requests that came before a lower rid (§14.2) wait for it, once they and
 *                             the held ones are every request the client may have open (§11), before the missing
 *                             rid counts as lost and the requests after it are processed: a reloading page can cut
 *                             off a request that never arrives, and a client that continues with the next rid
 *                             (Strophe's restore) would otherwise wait for it until its wait runs out and then lose
 *                             the session. While the client may still have the missing rid open (overtaken on the
 *                             network, or forwarded through another cluster node), the early request waits its
 *                             whole wait instead, so the rids keep their order. A given-up rid that arrives later is
 *                             forwarded then. Not for sessions with keys (§15), whose chain a lost request breaks.
 *                             {@link Duration#ZERO}: never (the early request is answered with a recoverable error
 *                             after its wait); default 5 s
 * @param charsets             request charsets besides UTF-8 advertised in {@code charsets} (R20); a body's XML
 *                             declaration decides its encoding, and any charset the JDK knows is decoded
 * @param requestsOnSelector   whether every HTTP request is handled on the thread that read it (Jetty's selector
 *                             for HTTP/1.1, plain or TLS; the connection's reading thread for HTTP/2) instead of a
 *                             thread of its own each; default true. Under {@code bosh.} because BOSH is what it is
 *                             for: a long-poll's every answer is followed by a request ({@code PorticoServer})
 */
public record BoshConfig(String path, Duration maxWait, int maxHold, Duration polling, Duration inactivity,
        Duration maxPause, int maxPendingBytes, int maxBufferedResponses, int maxRidRepeats, int maxStreams,
        boolean scriptSyntax, List<String> charsets, Duration reportAfter, Duration ridGapGrace,
        boolean requestsOnSelector) {

    /** Every setting at its default. */
    public static final BoshConfig DEFAULT = builder().build();

    public BoshConfig {
        if (path == null || !path.startsWith("/")) {
            throw new IllegalArgumentException("bosh.path must start with '/', was " + path);
        }
        requirePositive("bosh.maxWait", maxWait);
        if (maxHold < 1) {
            throw new IllegalArgumentException("bosh.maxHold must be at least 1, was " + maxHold);
        }
        requireNonNegative("bosh.polling", polling);
        requirePositive("bosh.inactivity", inactivity);
        requireNonNegative("bosh.maxPause", maxPause);
        if (maxPendingBytes < 64 * 1024) {
            throw new IllegalArgumentException("bosh.maxPendingBytes must be at least 65536, was " + maxPendingBytes);
        }
        if (maxBufferedResponses < maxHold + 1) {
            throw new IllegalArgumentException("bosh.maxBufferedResponses must be more than bosh.maxHold ("
                    + maxHold + "), was " + maxBufferedResponses);
        }
        if (maxRidRepeats < 1) {
            throw new IllegalArgumentException("bosh.maxRidRepeats must be at least 1, was " + maxRidRepeats);
        }
        if (maxStreams < 1) {
            throw new IllegalArgumentException("bosh.maxStreams must be at least 1, was " + maxStreams);
        }
        charsets = List.copyOf(charsets);
        requireNonNegative("bosh.reportAfter", reportAfter);
        requireNonNegative("bosh.ridGapGrace", ridGapGrace);
    }

    /** §10: whether a client may pause for {@code pause}: within {@code maxPause}, and never when that is zero. */
    public boolean allowsPause(Duration pause) {
        return !maxPause.isZero() && pause.compareTo(maxPause) <= 0;
    }

    /** Starts from the defaults documented on each component. */
    public static Builder builder() {
        return new Builder();
    }

    /** Starts from these settings, to change some of them. */
    public Builder toBuilder() {
        return new Builder().path(path).maxWait(maxWait).maxHold(maxHold).polling(polling).inactivity(inactivity)
                .maxPause(maxPause).maxPendingBytes(maxPendingBytes).maxBufferedResponses(maxBufferedResponses)
                .maxRidRepeats(maxRidRepeats).maxStreams(maxStreams).scriptSyntax(scriptSyntax).charsets(charsets)
                .reportAfter(reportAfter).ridGapGrace(ridGapGrace).requestsOnSelector(requestsOnSelector);
    }

    /** Mutable staging for a {@link BoshConfig}, named field by field; {@link #build()} validates. */
    public static final class Builder {
        private String path = "/http-bind";
        private Duration maxWait = Duration.ofSeconds(60);
        private int maxHold = 1;
        private Duration polling = Duration.ofSeconds(2);
        private Duration inactivity = Duration.ofSeconds(60);
        private Duration maxPause = Duration.ofSeconds(120);
        private int maxPendingBytes = 4 * 1024 * 1024;
        private int maxBufferedResponses = 64;
        private int maxRidRepeats = 4;
        private int maxStreams = 4;
        private boolean scriptSyntax;
        private List<String> charsets = List.of("ISO-8859-1", "UTF-16");
        private Duration reportAfter = Duration.ofSeconds(1);
        private Duration ridGapGrace = Duration.ofSeconds(5);
        private boolean requestsOnSelector = true;

        private Builder() {
        }

        public Builder path(String value) {
            path = value;
            return this;
        }

        public Builder maxWait(Duration value) {
            maxWait = value;
            return this;
        }

        public Builder maxHold(int value) {
            maxHold = value;
            return this;
        }

        public Builder polling(Duration value) {
            polling = value;
            return this;
        }

        public Builder inactivity(Duration value) {
            inactivity = value;
            return this;
        }

        public Builder maxPause(Duration value) {
            maxPause = value;
            return this;
        }

        public Builder maxPendingBytes(int value) {
            maxPendingBytes = value;
            return this;
        }

        public Builder maxBufferedResponses(int value) {
            maxBufferedResponses = value;
            return this;
        }

        public Builder maxRidRepeats(int value) {
            maxRidRepeats = value;
            return this;
        }

        public Builder maxStreams(int value) {
            maxStreams = value;
            return this;
        }

        public Builder scriptSyntax(boolean value) {
            scriptSyntax = value;
            return this;
        }

        public Builder charsets(List<String> value) {
            charsets = value;
            return this;
        }

        public Builder reportAfter(Duration value) {
            reportAfter = value;
            return this;
        }

        public Builder ridGapGrace(Duration value) {
            ridGapGrace = value;
            return this;
        }

        public Builder requestsOnSelector(boolean value) {
            requestsOnSelector = value;
            return this;
        }

        public BoshConfig build() {
            return new BoshConfig(path, maxWait, maxHold, polling, inactivity, maxPause, maxPendingBytes,
                    maxBufferedResponses, maxRidRepeats, maxStreams, scriptSyntax, charsets, reportAfter,
                    ridGapGrace, requestsOnSelector);
        }
    }

    private static void requirePositive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, was " + value);
        }
    }

    private static void requireNonNegative(String name, Duration value) {
        if (value == null || value.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + value);
        }
    }
}
