package org.portico.load;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * One endpoint under load: a transport into a server, through Portico or not, and the processes whose CPU and
 * resident set belong to it ({@code watched}: Portico's JVM, the XMPP server, or only the server). For
 * {@link Kind#PORTICO_BOSH_FORWARDED}, sessions are created at {@code endpoint} (their owner, a cluster node) and
 * every later request goes to {@code via}, another node, which forwards it (docs/cluster.md).
 */
record Target(String server, Kind kind, String endpoint, String via, List<Watched> watched) {

    Target(String server, Kind kind, String endpoint, List<Watched> watched) {
        this(server, kind, endpoint, endpoint, watched);
    }

    /** What sits between the generator and the XMPP server. */
    enum Kind {
        PORTICO_BOSH("portico-bosh"),
        PORTICO_BOSH_FORWARDED("portico-bosh-forwarded"),
        PORTICO_WS("portico-ws"),
        SERVER_BOSH("server-bosh"),
        SERVER_WS("server-ws"),
        C2S("c2s"),
        /** The c2s floor through {@link TcpRelay}: what relaying alone costs here. */
        C2S_RELAY("c2s-relay");

        final String label;

        Kind(String label) {
            this.label = label;
        }

        static Kind of(String label) {
            for (Kind kind : values()) {
                if (kind.label.equals(label)) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown target '" + label + "' (portico-bosh, "
                    + "portico-bosh-forwarded, portico-ws, server-bosh, server-ws, c2s, c2s-relay)");
        }
    }

    /** A process measured for this target: {@code role} is "portico", "relay" or "server". */
    record Watched(String role, long pid) {
    }

    String name() {
        return server + "/" + kind.label;
    }

    /** A client for this target, with those of a browser's {@code habits} that are asked for. */
    XmppClient connect(String domain, int boshWait, BrowserHabits habits, Duration timeout)
            throws IOException, InterruptedException {
        return switch (kind) {
            case PORTICO_BOSH, PORTICO_BOSH_FORWARDED -> new BoshClient(URI.create(endpoint), URI.create(via),
                    domain, boshWait, habits, timeout);
            // Prosody's and ejabberd's HTTP servers speak HTTP/1.1 alone
            case SERVER_BOSH -> new BoshClient(URI.create(endpoint), URI.create(via), domain, boshWait,
                    habits.overHttp1(), timeout);
            case PORTICO_WS, SERVER_WS ->
                    new WebSocketClient(URI.create(endpoint), domain, habits.compression(), timeout);
            case C2S, C2S_RELAY -> {
                int colon = endpoint.lastIndexOf(':');
                yield new C2sClient(new InetSocketAddress(endpoint.substring(0, colon),
                        Integer.parseInt(endpoint.substring(colon + 1))), domain, timeout);
            }
        };
    }
}
