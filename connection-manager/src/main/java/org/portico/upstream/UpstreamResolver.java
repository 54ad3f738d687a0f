package org.portico.upstream;

import java.io.IOException;
import java.net.IDN;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;
import org.portico.upstream.SrvLookup.SrvRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the XMPP domain a client asked for (and its XEP-0124 {@code route}, if any) into the ordered list of servers
 * to try, following RFC 6120 §3.2: an allowed route first, then a configured domain, then DNS SRV sorted by priority
 * and weight (RFC 2782), then the {@code <domain>:5222} fallback when DNS has no SRV answer.
 *
 * <p>Stateless apart from its configuration; safe to share between streams. The random source only shuffles
 * equal-priority SRV records by weight and is injected so the order can be tested.
 */
public final class UpstreamResolver {

    private static final Logger LOG = LoggerFactory.getLogger(UpstreamResolver.class);
    private static final String SRV_PREFIX = "_xmpp-client._tcp.";
    private static final String LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
    private static final Pattern DNS_NAME = Pattern.compile("(?=.{1,253}$)" + LABEL + "(\\." + LABEL + ")*");

    private static final Pattern IP_V4 = Pattern.compile("[0-9.]+");

    private final UpstreamConfig config;
    private final SrvLookup srv;
    private final RandomGenerator random;

    public UpstreamResolver(UpstreamConfig config, SrvLookup srv, RandomGenerator random) {
        this.config = config;
        this.srv = srv;
        this.random = random;
    }

    /**
     * The servers to try, best first.
     *
     * @param domain the stream's {@code to}
     * @param route  the client's XEP-0124 {@code route}, or null; used only when it is on the allow-list verbatim
     * @throws UnknownHostException when Portico does not serve the domain (BOSH {@code host-unknown})
     */
    public List<UpstreamRoute> resolve(String domain, String route) throws UnknownHostException {
        if (route != null && config.routeAllowList().contains(route)) {
            return List.of(UpstreamRoute.fromRoute(route, config.discoveredTls()));
        }
        if (route != null) {
            LOG.debug("route {} is not on the allow-list; resolving the domain instead", route);
        }
        String name;
        try {
            name = normalizeDomain(domain);
        } catch (IllegalArgumentException e) {
            throw new UnknownHostException(e.getMessage());
        }
        UpstreamRoute configured = config.domains().get(name);
        if (configured != null) {
            return List.of(configured);
        }
        if (!config.srvLookup()) {
            throw new UnknownHostException("domain " + name + " is not served by this connection manager");
        }
        if (!DNS_NAME.matcher(name).matches() || IP_V4.matcher(name).matches()) {
            // IP-literal domains are served only when configured, so DNS cannot steer Portico to internal hosts
            throw new UnknownHostException("domain " + name + " is not a DNS name");
        }
        return discover(name);
    }

    private List<UpstreamRoute> discover(String domain) throws UnknownHostException {
        List<SrvRecord> records;
        try {
            records = srv.lookup(SRV_PREFIX + domain);
        } catch (IOException e) {
            // RFC 6120 §3.2.1: no answer to the SRV query means the fallback process applies
            LOG.debug("no SRV answer for {}, falling back to port {}: {}", domain, UpstreamRoute.DEFAULT_PORT,
                    e.getMessage());
            records = List.of();
        }
        if (records.size() == 1 && records.getFirst().noService()) {
            throw new UnknownHostException("domain " + domain + " publishes no XMPP client service (SRV target '.')");
        }
        List<UpstreamRoute> targets = new ArrayList<>();
        for (SrvRecord record : order(records, random)) {
            if (!record.noService() && record.port() > 0) {
                targets.add(new UpstreamRoute(record.target(), record.port(), config.discoveredTls()));
            }
        }
        if (targets.isEmpty()) {
            // RFC 6120 §3.2.2: fall back to the domain itself on the xmpp-client port
            targets.add(new UpstreamRoute(domain, UpstreamRoute.DEFAULT_PORT, config.discoveredTls()));
        }
        return List.copyOf(targets);
    }

    /**
     * RFC 2782 target selection: ascending priority; within a priority, repeatedly pick a record at random with
     * probability proportional to its weight (weight-0 records first in the running sum, so they are picked
     * rarely but never starved).
     */
    static List<SrvRecord> order(List<SrvRecord> records, RandomGenerator random) {
        TreeMap<Integer, List<SrvRecord>> byPriority = new TreeMap<>();
        for (SrvRecord record : records) {
            byPriority.computeIfAbsent(record.priority(), p -> new ArrayList<>()).add(record);
        }
        List<SrvRecord> ordered = new ArrayList<>(records.size());
        for (List<SrvRecord> group : byPriority.values()) {
            List<SrvRecord> remaining = new ArrayList<>(group);
            remaining.sort(Comparator.comparingInt(record -> record.weight() == 0 ? 0 : 1));
            while (!remaining.isEmpty()) {
                int total = 0;
                for (SrvRecord record : remaining) {
                    total += record.weight();
                }
                int pick = random.nextInt(total + 1);
                int running = 0;
                for (int i = 0; i < remaining.size(); i++) {
                    running += remaining.get(i).weight();
                    if (running >= pick) {
                        ordered.add(remaining.remove(i));
                        break;
                    }
                }
            }
        }
        return ordered;
    }

    /**
     * The form in which domains are compared: lower case, ASCII (IDNA), without a trailing dot.
     *
     * @throws IllegalArgumentException when the name is empty or not a valid internationalized domain name
     */
    static String normalizeDomain(String domain) {
        if (domain == null || domain.isBlank()) {
            throw new IllegalArgumentException("an XMPP domain is required");
        }
        String name = domain.strip();
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        try {
            name = IDN.toASCII(name, IDN.ALLOW_UNASSIGNED);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + domain + "' is not a valid domain name");
        }
        if (name.isEmpty()) {
            throw new IllegalArgumentException("'" + domain + "' is not a valid domain name");
        }
        return name.toLowerCase(Locale.ROOT);
    }
}
