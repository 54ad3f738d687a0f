/**
 * Test fixtures for code built on the session store, shared with other modules through session-store's test-jar:
 * a {@link org.portico.store.testing.ManualTicker} that tests advance instead of sleeping, and a
 * {@link org.portico.store.testing.ManualScheduler} that runs Caffeine's wake-ups when the test says their time came.
 */
package org.portico.store.testing;
