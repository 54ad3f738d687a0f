/**
 * The tests of the distribution archive: unpacked and started as an operator would, against the local Prosody; and
 * its {@code bin/portico-jvm-options}, whose defaults the operator's own JVM options must be able to override; and
 * its {@code bin/portico-aot-option}, which records the ahead-of-time cache anew whenever the JDK or class path
 * changed.
 */
package org.portico.distribution;
