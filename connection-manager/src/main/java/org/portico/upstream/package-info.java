/** The client-to-server XMPP stream to the upstream server: resolution, connection, STARTTLS, restarts. */
package org.portico.upstream;
