package org.portico.upstream;

import java.io.IOException;
import java.util.List;

/**
 * A DNS SRV query (RFC 2782), behind an interface so resolution can be tested without a network. The production
 * implementation is {@link JndiSrvLookup}.
 */
@FunctionalInterface
public interface SrvLookup {

    /**
     * The SRV records of a name such as {@code _xmpp-client._tcp.example.net}, in the order DNS returned them.
     *
     * @return the records; empty when DNS answered that the name has none
     * @throws IOException when DNS gave no usable answer (timeout, server failure)
     */
    List<SrvRecord> lookup(String name) throws IOException;

    /**
     * One SRV resource record.
     *
     * @param priority lower is tried first
     * @param weight   relative share among records of the same priority; 0 means "rarely"
     * @param port     TCP port of the service on the target
     * @param target   host name of the target, without a trailing dot; "." alone means "no service here"
     */
    record SrvRecord(int priority, int weight, int port, String target) {
        public SrvRecord {
            if (priority < 0 || priority > 65535 || weight < 0 || weight > 65535 || port < 0 || port > 65535) {
                throw new IllegalArgumentException("SRV priority, weight and port are 16-bit unsigned numbers");
            }
            if (target == null || target.isEmpty()) {
                throw new IllegalArgumentException("an SRV record needs a target");
            }
            if (target.length() > 1 && target.endsWith(".")) {
                target = target.substring(0, target.length() - 1);
            }
        }

        /** RFC 2782: a lone record whose target is "." says the service is decidedly not available. */
        public boolean noService() {
            return target.equals(".");
        }
    }
}
