/**
 * Benchmark harnesses, compiled with the tests and run from {@code scripts/} (never as unit tests): they compare
 * Portico with the upstream's own endpoints, or Portico's own alternatives (the ways to survive a page reload), side
 * by side in one run. See {@code docs/benchmarks.md}.
 */
package org.portico.bench;
