/** The test of the distribution archive: unpacked and started as an operator would, against the local Prosody. */
package org.portico.distribution;
