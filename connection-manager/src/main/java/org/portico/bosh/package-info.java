/**
 * The BOSH transport: XEP-0124 (Bidirectional-streams Over Synchronous HTTP), XEP-0206 (XMPP over BOSH) and the
 * deferred XEP-0252 script syntax for browsers that can only issue GET requests. {@link org.portico.bosh.BoshHandler}
 * is its HTTP edge on Jetty's core API, {@link org.portico.bosh.BoshSessions} routes requests to sessions, and
 * {@link org.portico.bosh.BoshSession} orders each session's events; nothing here waits for the network.
 *
 * <p>The pure building blocks here ({@link org.portico.bosh.RidWindow}, {@link org.portico.bosh.RequestLimits},
 * {@link org.portico.bosh.KeySequence}, {@link org.portico.bosh.ScriptSyntax}, {@link org.portico.bosh.BoshVersion},
 * {@link org.portico.bosh.BoshCondition}, {@link org.portico.bosh.BoshNames}) do no I/O, start no threads and take
 * no locks: each returns a decision that the session acts on after leaving its lock. The mutable ones are owned by
 * the lock of the BOSH session they belong to. {@link org.portico.bosh.HeldRequestWaits} is the one beat, and its
 * thread, that answers every held request whose wait ended; its decision of which are due is pure.
 */
package org.portico.bosh;
