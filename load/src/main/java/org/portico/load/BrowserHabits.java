package org.portico.load;

import java.util.List;
import java.util.Map;

/**
 * What the generator's clients do as browsers do, each asked for by an option, since each changes what a server
 * pays: {@code compression} (permessage-deflate offered on WebSockets, gzip accepted on BOSH; {@code --compression}),
 * a browser's {@code requestHeaders} on each BOSH request ({@code --request-headers}) and {@code http2}, BOSH over
 * one HTTP/2 connection per session ({@code --http=2}). By default the clients do none of these, as they did before
 * these options existed, so earlier figures stay comparable.
 *
 * @param compression    ask for compression as browsers do
 * @param requestHeaders send the headers Chrome sends with an XHR POST, besides those the request needs
 * @param http2          carry BOSH requests as streams of one HTTP/2 connection, as a browser does with an endpoint
 *                       that offers {@code h2} over TLS; here cleartext with prior knowledge (RFC 9113 §3.3)
 */
record BrowserHabits(boolean compression, boolean requestHeaders, boolean http2) {

    static final BrowserHabits NONE = new BrowserHabits(false, false, false);

    /** The same habits over HTTP/1.1, for an endpoint that speaks nothing else. */
    BrowserHabits overHttp1() {
        return new BrowserHabits(compression, requestHeaders, false);
    }

    /**
     * The header fields Chrome 131 on Linux sent with a same-origin XHR POST, in its order, cookies left out;
     * {@code origin} is the page's origin, which for the generator is the endpoint's.
     */
    static List<Map.Entry<String, String>> chromeXhrFields(String origin) {
        return List.of(
                Map.entry("Connection", "keep-alive"),
                Map.entry("sec-ch-ua-platform", "\"Linux\""),
                Map.entry("User-Agent", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                        + "Chrome/131.0.0.0 Safari/537.36"),
                Map.entry("sec-ch-ua", "\"Google Chrome\";v=\"131\", \"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\""),
                Map.entry("sec-ch-ua-mobile", "?0"),
                Map.entry("Accept", "*/*"),
                Map.entry("Origin", origin),
                Map.entry("Sec-Fetch-Site", "same-origin"),
                Map.entry("Sec-Fetch-Mode", "cors"),
                Map.entry("Sec-Fetch-Dest", "empty"),
                Map.entry("Referer", origin + "/"),
                Map.entry("Accept-Language", "en-US,en;q=0.9"));
    }

    /** {@link #chromeXhrFields} as HTTP/1.1 header lines, each after a CRLF. */
    static String chromeXhrHeaders(String origin) {
        StringBuilder lines = new StringBuilder(640);
        for (Map.Entry<String, String> field : chromeXhrFields(origin)) {
            lines.append("\r\n").append(field.getKey()).append(": ").append(field.getValue());
        }
        return lines.toString();
    }
}
