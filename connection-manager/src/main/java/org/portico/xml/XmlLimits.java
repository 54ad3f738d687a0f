package org.portico.xml;

/**
 * Bounds on untrusted XML, enforced by the parser so hostile input costs a bounded amount of memory and time.
 *
 * @param maxBytes      largest document (a BOSH body, a WebSocket message) or top-level upstream element, in bytes
 * @param maxDepth      deepest element nesting
 * @param maxAttributes most attributes on one element
 * @param maxTextLength longest single run of character data or attribute value, in characters
 */
public record XmlLimits(int maxBytes, int maxDepth, int maxAttributes, int maxTextLength) {

    /** Large enough for a 64 KiB in-band-bytestream block after base64 (about 87 KiB) inside a body. */
    public static final XmlLimits DEFAULT = new XmlLimits(256 * 1024, 64, 64, 256 * 1024);

    public XmlLimits {
        if (maxBytes < 1024) {
            throw new IllegalArgumentException("xml.maxBytes must be at least 1024, was " + maxBytes);
        }
        if (maxDepth < 4) {
            throw new IllegalArgumentException("xml.maxDepth must be at least 4, was " + maxDepth);
        }
        if (maxAttributes < 8) {
            throw new IllegalArgumentException("xml.maxAttributes must be at least 8, was " + maxAttributes);
        }
        if (maxTextLength < 1024) {
            throw new IllegalArgumentException("xml.maxTextLength must be at least 1024, was " + maxTextLength);
        }
    }
}
