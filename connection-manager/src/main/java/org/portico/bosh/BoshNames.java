package org.portico.bosh;

import javax.xml.namespace.QName;
import org.portico.xml.Namespaces;

/**
 * Every element and attribute name of the BOSH wrapper, each written exactly once: XEP-0124 (its XML schema and
 * the text of §7–§17) and XEP-0206 (the {@code xmpp:} attributes).
 *
 * <p>The wrapper's own attributes are in no namespace ({@code new QName(local)}), so they match
 * {@link org.portico.xml.XmlElement#attribute(QName)} directly; {@code xml:lang} is in the XML namespace and the
 * XEP-0206 ones in {@link Namespaces#XBOSH} with the conventional {@code xmpp} prefix, a hint for serialization.
 * The {@code secure} attribute was removed in XEP-0124 v1.8 (R66) and deliberately has no constant.
 */
public final class BoshNames {

    /** {@code <body xmlns='http://jabber.org/protocol/httpbind'/>}, the wrapper of every request and response. */
    public static final QName BODY = new QName(Namespaces.HTTPBIND, "body");
    /** The child of a {@code see-other-uri} terminate body (§17.2). */
    public static final QName URI = new QName(Namespaces.HTTPBIND, "uri");

    /** Request: comma-separated content encodings the connection manager can decompress (§7.2, R17). */
    public static final QName ACCEPT = new QName("accept");
    /** Request acks by the CM (§9.1) and response acks by the client (§9.2); {@code ack='1'} on creation (R12). */
    public static final QName ACK = new QName("ack");
    /** The upstream stream id, obsolete but still sent with the features (XEP-0206 §4, R77). */
    public static final QName AUTHID = new QName("authid");
    /** Space-separated character sets the CM converts (§7.2, R20). */
    public static final QName CHARSETS = new QName("charsets");
    /** A terminal condition, see {@link BoshCondition} (§17.2). */
    public static final QName CONDITION = new QName("condition");
    /** The Content-Type every response of the session must carry (§7.1, R13). */
    public static final QName CONTENT = new QName("content");
    /** Client: the originator of the stream (§7.1); CM: the identity of the server (§7.2). */
    public static final QName FROM = new QName("from");
    public static final QName HOLD = new QName("hold");
    public static final QName INACTIVITY = new QName("inactivity");
    /** Key sequencing (§15). */
    public static final QName KEY = new QName("key");
    public static final QName MAXPAUSE = new QName("maxpause");
    /** Key sequencing: the first key of a (new) sequence (§15). */
    public static final QName NEWKEY = new QName("newkey");
    public static final QName PAUSE = new QName("pause");
    public static final QName POLLING = new QName("polling");
    /** The rid whose response the client seems to have missed (§9.2, R28). */
    public static final QName REPORT = new QName("report");
    public static final QName REQUESTS = new QName("requests");
    public static final QName RID = new QName("rid");
    /** {@code proto:host:port}, not a URI (§7.1, R10). */
    public static final QName ROUTE = new QName("route");
    public static final QName SID = new QName("sid");
    /** Multi-stream name (§16). */
    public static final QName STREAM = new QName("stream");
    /** Milliseconds since the response named by {@code report} was sent (§9.2, R28). */
    public static final QName TIME = new QName("time");
    public static final QName TO = new QName("to");
    /** {@value #TYPE_TERMINATE} or {@value #TYPE_ERROR} (§13, §17). */
    public static final QName TYPE = new QName("type");
    /** The BOSH protocol version, see {@link BoshVersion} (§7.1, R9). */
    public static final QName VER = new QName("ver");
    public static final QName WAIT = new QName("wait");
    public static final QName XML_LANG = new QName(Namespaces.XML, "lang", "xml");

    /** XEP-0206 §3: the XMPP version, forwarded to the upstream stream header (R75). */
    public static final QName XMPP_VERSION = new QName(Namespaces.XBOSH, "version", "xmpp");
    /** XEP-0206 §5: a stream restart request (R80). */
    public static final QName XMPP_RESTART = new QName(Namespaces.XBOSH, "restart", "xmpp");
    /** XEP-0206 §4: the CM supports restarts (R77). */
    public static final QName XMPP_RESTARTLOGIC = new QName(Namespaces.XBOSH, "restartlogic", "xmpp");

    /** Value of {@link #TYPE}: the session (or, with {@link #STREAM}, one stream) ends (§13, §17.2). */
    public static final String TYPE_TERMINATE = "terminate";
    /** Value of {@link #TYPE}: a recoverable binding error; the client resends its unanswered requests (§17.3). */
    public static final String TYPE_ERROR = "error";

    private BoshNames() {
    }
}
