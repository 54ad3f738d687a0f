package org.portico.demo;

/** The page's two transports, by the value of its {@code #transport} select. */
enum Transport {
    /** XEP-0124 + XEP-0206 at {@code /http-bind}. */
    BOSH("bosh"),
    /** RFC 7395 at {@code /xmpp-websocket}, with Portico's resume extension. */
    WEBSOCKET("websocket");

    final String pageValue;

    Transport(String pageValue) {
        this.pageValue = pageValue;
    }
}
