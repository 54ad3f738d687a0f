/**
 * The tests of the distribution archive: unpacked and started as an operator would, against the local Prosody; and
 * its {@code bin/portico-jvm-options}, whose defaults the operator's own JVM options must be able to override.
 */
package org.portico.distribution;
