/**
 * XML as Portico relays it: an immutable element tree, hardened Woodstox parsing with a reader of Portico's own for
 * plain documents, stream framing and scope, namespace-exact serialization.
 */
package org.portico.xml;
