/**
 * The store of live and paused sessions: a Caffeine map from session id to session with a per-entry deadline that the
 * connection manager moves as the session idles, holds a request or pauses, prompt expiry driven by a scheduler, a
 * global maximum enforced by refusing newcomers (never by evicting someone else), and one removal callback that
 * closes what an ended session still owns. Nothing here knows about BOSH, WebSocket or XMPP.
 */
package org.portico.store;
