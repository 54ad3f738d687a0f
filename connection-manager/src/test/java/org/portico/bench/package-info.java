/**
 * Benchmark harnesses, compiled with the tests and run from {@code scripts/} (never as unit tests): they compare
 * Portico with the upstream's own endpoints side by side in one run. See {@code docs/benchmarks.md}.
 */
package org.portico.bench;
