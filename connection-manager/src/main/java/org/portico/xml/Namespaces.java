package org.portico.xml;

/** Every namespace Portico reads or writes, each written exactly once. */
public final class Namespaces {
    /** XEP-0124: the {@code <body/>} wrapper. */
    public static final String HTTPBIND = "http://jabber.org/protocol/httpbind";
    /** XEP-0206: {@code xmpp:version}, {@code xmpp:restart}, {@code xmpp:restartlogic}. */
    public static final String XBOSH = "urn:xmpp:xbosh";
    /** RFC 7395: {@code <open/>} and {@code <close/>}. */
    public static final String FRAMING = "urn:ietf:params:xml:ns:xmpp-framing";
    /** RFC 6120: the stream wrapper, {@code <stream:features/>} and {@code <stream:error/>}. */
    public static final String STREAMS = "http://etherx.jabber.org/streams";
    /** RFC 6120: stream error conditions. */
    public static final String STREAM_ERRORS = "urn:ietf:params:xml:ns:xmpp-streams";
    /** RFC 6120: stanza error conditions. */
    public static final String STANZA_ERRORS = "urn:ietf:params:xml:ns:xmpp-stanzas";
    public static final String JABBER_CLIENT = "jabber:client";
    public static final String TLS = "urn:ietf:params:xml:ns:xmpp-tls";
    public static final String SASL = "urn:ietf:params:xml:ns:xmpp-sasl";
    public static final String BIND = "urn:ietf:params:xml:ns:xmpp-bind";
    /** XEP-0138 stream compression, stripped from relayed features (XEP-0206 §4, RFC 7395 §3.9). */
    public static final String COMPRESS_FEATURE = "http://jabber.org/features/compress";
    /** XEP-0198 stream management. */
    public static final String SM = "urn:xmpp:sm:3";
    /** XEP-0352 client state indication. */
    public static final String CSI = "urn:xmpp:csi:0";
    /** XEP-0388 extensible SASL profile. */
    public static final String SASL2 = "urn:xmpp:sasl:2";
    /** Portico's WebSocket session resumption across page reloads ({@code resume:token}, {@code resume:h}). */
    public static final String PORTICO_RESUME = "urn:portico:resume:0";
    /** XEP-0156 host-meta links. */
    public static final String XRD = "http://docs.oasis-open.org/ns/xri/xrd-1.0";
    /** The namespace bound to the {@code xml} prefix. */
    public static final String XML = javax.xml.XMLConstants.XML_NS_URI;

    private Namespaces() {
    }
}
