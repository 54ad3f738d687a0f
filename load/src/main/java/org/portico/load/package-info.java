/**
 * The load generator behind {@code scripts/bench-load.sh}: minimal XMPP clients for the three transports
 * ({@link org.portico.load.C2sClient}, {@link org.portico.load.BoshClient}, {@link org.portico.load.WebSocketClient},
 * all on {@link org.portico.load.XmppClient}'s one login sequence, on sockets of their own:
 * {@link org.portico.load.HttpConnection} or, with {@code --http=2}, the lanes of an
 * {@link org.portico.load.Http2Connection}, both a {@link org.portico.load.RequestLane}, and
 * {@link org.portico.load.WebSocketConnection}), the measured windows
 * ({@link org.portico.load.MessageWindow}, {@link org.portico.load.IdleHold}), process figures from /proc
 * ({@link org.portico.load.ProcessSample}), profiles of Portico for exactly the measured windows
 * ({@link org.portico.load.WindowProfiler}, with {@link org.portico.load.ProfileGroups} summing a CPU profile), the
 * run that interleaves the targets
 * ({@link org.portico.load.LoadGenerator}), its reading of each login turn against the c2s turns on either side
 * ({@link org.portico.load.LoginComparison}) and its tally of threads that ended by an exception nothing caught
 * ({@link org.portico.load.UncaughtTally}).
 * JDK only, so the client costs the same whichever endpoint it talks to.
 */
package org.portico.load;
