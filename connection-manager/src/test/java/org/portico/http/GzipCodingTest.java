package org.portico.http;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.zip.GZIPInputStream;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.util.compression.DeflaterPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** BOSH answers gzipped (R4, RFC 9110 §8.4.1.3) only when large enough and accepted (RFC 9110 §12.5.3). */
class GzipCodingTest {

    private final GzipCoding coding = new GzipCoding(100, new DeflaterPool(4, -1, true));
    private final byte[] large = ("<body xmlns='http://jabber.org/protocol/httpbind'>"
            + "<message to='juliet@example.com'><body>wherefore art thou</body></message>".repeat(20) + "</body>")
            .getBytes(StandardCharsets.UTF_8);

    @Test
    void anAnswerUnderTheThresholdGoesOutAsItIsWithNoHeaderAdded() {
        byte[] small = "<body/>".getBytes(StandardCharsets.UTF_8);
        HttpFields.Mutable response = HttpFields.build();

        assertSame(small, coding.encode(accepting("gzip"), response, small));
        assertEquals(0, response.size(), response.toString());
    }

    @Test
    void aLargeAnswerToARequestThatAcceptsGzipIsAValidGzipStreamOfIt_Rfc1952() throws IOException {
        HttpFields.Mutable response = HttpFields.build();

        byte[] coded = coding.encode(accepting("gzip, deflate, br, zstd"), response, large);

        assertEquals("gzip", response.get(HttpHeader.CONTENT_ENCODING));
        assertEquals("Accept-Encoding", response.get(HttpHeader.VARY));
        assertTrue(coded.length < large.length / 4, coded.length + " bytes");
        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(coded))) {
            assertArrayEquals(large, in.readAllBytes(), "the JDK's reader checks the CRC and the length too");
        }
    }

    @Test
    void aLargeAnswerToARequestThatDoesNotAcceptGzipSaysItCouldHaveBeen_Rfc9110Section12_5_5() {
        HttpFields.Mutable response = HttpFields.build();

        assertSame(large, coding.encode(HttpFields.EMPTY, response, large));
        assertNull(response.get(HttpHeader.CONTENT_ENCODING));
        assertEquals("Accept-Encoding", response.get(HttpHeader.VARY));
    }

    @ParameterizedTest(name = "Accept-Encoding: {0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "gzip|true", "GZIP|true", "x-gzip|true", "*|true", "br, gzip;q=0.5|true", "deflate, *;q=0.1|true",
            "gzip;q=0|false", "identity|false", "br, deflate|false", "gzip;q=0.0, br|false"})
    void gzipIsAcceptedWhenListedOrCoveredByAWildcardWithAWeightAboveZero(String header, boolean accepted) {
        assertEquals(accepted, GzipCoding.acceptsGzip(accepting(header)));
    }

    @Test
    void aRequestWithoutAcceptEncodingGetsNoCoding() {
        assertFalse(GzipCoding.acceptsGzip(HttpFields.EMPTY));
    }

    private static HttpFields accepting(String codings) {
        return HttpFields.build().put(HttpHeader.ACCEPT_ENCODING, codings);
    }
}
