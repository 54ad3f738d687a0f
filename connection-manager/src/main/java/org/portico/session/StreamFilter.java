package org.portico.session;

import org.portico.xml.Namespaces;
import org.portico.xml.XmlElement;

/**
 * What Portico changes in the upstream stream on its way to a browser, and nothing else: the transport-level
 * features a browser cannot use, and addresses only a TCP client could reach. Pure.
 */
final class StreamFilter {

    private static final String FEATURES = "features";
    private static final String ENABLED = "enabled";
    private static final String LOCATION = "location";

    private StreamFilter() {
    }

    static boolean isFeatures(XmlElement element) {
        return element.is(Namespaces.STREAMS, FEATURES);
    }

    /**
     * Applies the filters: {@code <starttls/>} and stream compression leave the features (XEP-0206 §4, R74, R78;
     * RFC 7395 §3.9, R95); a XEP-0198 {@code <enabled/>} loses its {@code location}, a TCP address a browser
     * cannot resume at (the client resumes through Portico instead).
     */
    static XmlElement toClient(XmlElement element) {
        if (isFeatures(element)) {
            return element.withoutChildren(feature -> feature.is(Namespaces.TLS, "starttls")
                    || Namespaces.COMPRESS_FEATURE.equals(feature.namespace()));
        }
        if (element.is(Namespaces.SM, ENABLED) && element.attribute(LOCATION).isPresent()) {
            return element.withAttribute(LOCATION, null);
        }
        return element;
    }

    /** Whether this is the server's XEP-0198 {@code <enabled/>} with resumption granted (§5). */
    static boolean grantsResumption(XmlElement element) {
        if (!element.is(Namespaces.SM, ENABLED)) {
            return false;
        }
        String resume = element.attribute("resume").orElse("");
        return "true".equals(resume) || "1".equals(resume);
    }

    /** Whether this is the server's XEP-0198 {@code <resumed/>}: a resumed session stays resumable (§5). */
    static boolean resumes(XmlElement element) {
        return element.is(Namespaces.SM, "resumed");
    }

    /** Whether this is a client's XEP-0198 request the server answers: {@code <enable/>} or {@code <resume/>}. */
    static boolean asksStreamManagement(XmlElement element) {
        return element.is(Namespaces.SM, "enable") || element.is(Namespaces.SM, "resume");
    }

    /** Whether this is the server's answer to one: {@code <enabled/>}, {@code <resumed/>} or {@code <failed/>}. */
    static boolean answersStreamManagement(XmlElement element) {
        return element.is(Namespaces.SM, ENABLED) || resumes(element) || element.is(Namespaces.SM, "failed");
    }

    /** Whether the server offers XEP-0352 client state indication in these features. */
    static boolean offersClientState(XmlElement features) {
        return features.child(Namespaces.CSI, "csi").isPresent();
    }
}
