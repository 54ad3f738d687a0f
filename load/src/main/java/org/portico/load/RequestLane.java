package org.portico.load;

import java.io.IOException;

/**
 * Where the BOSH client puts one request at a time and gets its answer: an HTTP/1.1 connection
 * ({@link HttpConnection}), or one of the lanes of an HTTP/2 connection ({@link Http2Connection}), which carries each
 * request as a stream of its own. A browser keeps two of either for a BOSH session with {@code hold='1'}.
 */
interface RequestLane extends AutoCloseable {

    /** What happens to a lane's requests; called on the reader thread of the lane's connection. */
    interface Handler {
        void answered(RequestLane lane, int status, String body);

        /**
         * The lane ended and carries nothing more. {@code resendable}: the request out on it, if any, never reached
         * the server's application, so it may be sent again elsewhere (a BOSH request may be, with its rid,
         * XEP-0124 §14.1): over HTTP/1.1 a kept-alive connection the server closed between two responses, over
         * HTTP/2 a stream the server refused or left out of its GOAWAY (RFC 9113 §8.7).
         */
        void ended(RequestLane lane, boolean resendable, String reason);
    }

    /** Writes one request; the caller knows none is out on this lane. */
    void post(String body) throws IOException;

    /** Whether a request may go on this lane. */
    boolean open();

    /** Whether an answer on this lane came gzipped. */
    boolean gzipped();

    @Override
    void close();
}
