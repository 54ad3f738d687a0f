/**
 * Shared test fixtures: in-memory and scripted upstreams, a manual clock, test clients for both transports, and the
 * local Prosody's coordinates. Every test that needs one of these takes it from here.
 */
package org.portico.testing;
