package org.portico.load;

/**
 * What the generator's clients do as browsers do, each asked for by an option, since each changes what a server
 * pays: {@code compression} (permessage-deflate offered on WebSockets, gzip accepted on BOSH; {@code --compression})
 * and a browser's {@code requestHeaders} on each BOSH request ({@code --request-headers}). By default the clients
 * do neither, as they did before these options existed, so earlier figures stay comparable.
 *
 * @param compression    ask for compression as browsers do
 * @param requestHeaders send the headers Chrome sends with an XHR POST, besides those the request needs
 */
record BrowserHabits(boolean compression, boolean requestHeaders) {

    static final BrowserHabits NONE = new BrowserHabits(false, false);

    /**
     * The headers Chrome 131 on Linux sent with a same-origin XHR POST, cookies left out; {@code origin} is the
     * page's origin, which for the generator is the endpoint's.
     */
    static String chromeXhrHeaders(String origin) {
        return "\r\nConnection: keep-alive"
                + "\r\nsec-ch-ua-platform: \"Linux\""
                + "\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                + "Chrome/131.0.0.0 Safari/537.36"
                + "\r\nsec-ch-ua: \"Google Chrome\";v=\"131\", \"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\""
                + "\r\nsec-ch-ua-mobile: ?0"
                + "\r\nAccept: */*"
                + "\r\nOrigin: " + origin
                + "\r\nSec-Fetch-Site: same-origin"
                + "\r\nSec-Fetch-Mode: cors"
                + "\r\nSec-Fetch-Dest: empty"
                + "\r\nReferer: " + origin + "/"
                + "\r\nAccept-Language: en-US,en;q=0.9";
    }
}
