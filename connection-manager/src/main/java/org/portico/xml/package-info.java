/** XML as Portico relays it: an immutable element tree, hardened Woodstox parsing, namespace-exact serialization. */
package org.portico.xml;
