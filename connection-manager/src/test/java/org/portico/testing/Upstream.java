package org.portico.testing;

import java.nio.file.Path;
import org.portico.upstream.TlsPolicy;

/**
 * The real XMPP servers the end-to-end tests run Portico in front of (issue 12: behaviour must hold on a server
 * nobody here wrote): the local Prosody and the local ejabberd, both started by {@code scripts/test.sh}, with the
 * same domain and accounts. A test parameterized with it gets its Portico from {@link PorticoPerUpstream}, or from
 * {@link PorticoHarness#start(Upstream, java.util.function.UnaryOperator)} when it needs its own configuration.
 */
public enum Upstream {
    PROSODY, EJABBERD;

    public String domain() {
        return this == PROSODY ? LocalProsody.DOMAIN : LocalEjabberd.DOMAIN;
    }

    public String host() {
        return this == PROSODY ? LocalProsody.HOST : LocalEjabberd.HOST;
    }

    /** Its client-to-server port. */
    public int port() {
        return this == PROSODY ? LocalProsody.PORT : LocalEjabberd.PORT;
    }

    /** Its self-signed certificate, which Portico's STARTTLS to it trusts. */
    public Path certificate() {
        return this == PROSODY ? LocalProsody.certificate() : LocalEjabberd.certificate();
    }

    /** Skips the calling test unless this server runs; in the full run ({@code portico.e2e.required}) fails it. */
    public void assumeRunning() {
        if (this == PROSODY) {
            LocalProsody.assumeRunning();
        } else {
            LocalEjabberd.assumeRunning();
        }
    }

    /** With its admin listener on a free port, so that tests can read its metrics too; {@code leg} as STARTTLS. */
    PorticoHarness startPortico(TlsPolicy leg) throws Exception {
        return PorticoHarness.start(this, leg, PorticoHarness::withAdmin);
    }
}
