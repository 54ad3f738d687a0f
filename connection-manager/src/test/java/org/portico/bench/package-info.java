/**
 * Benchmarks run from {@code scripts/}, never as tests: they print figures measured side by side in one run against
 * the local Prosody and assert nothing about speed.
 */
package org.portico.bench;
