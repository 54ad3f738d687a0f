package org.portico.metrics;

import java.util.EnumMap;
import java.util.Map;
import org.portico.bosh.BoshSession;
import org.portico.session.ClientSession;
import org.portico.session.ClientSession.Standing;
import org.portico.store.SessionStore;

/**
 * The sessions in the store, counted by transport and {@link Standing}, with the BOSH requests they hold: read from
 * the sessions themselves when asked (a scrape, the drain), so no second copy of their state is kept anywhere. Each
 * session's lock is taken briefly, one session at a time.
 *
 * @param standings how many sessions of each transport stand where
 * @param heldRequests how many BOSH requests are held now (XEP-0124 §8)
 */
public record SessionCensus(Map<Metrics.Transport, Map<Standing, Integer>> standings, int heldRequests) {

    /** Counts the sessions of {@code store} now. */
    public static SessionCensus of(SessionStore<String, ClientSession> store) {
        Map<Metrics.Transport, Map<Standing, Integer>> standings = new EnumMap<>(Metrics.Transport.class);
        for (Metrics.Transport transport : Metrics.Transport.values()) {
            Map<Standing, Integer> counts = new EnumMap<>(Standing.class);
            for (Standing standing : Standing.values()) {
                counts.put(standing, 0);
            }
            standings.put(transport, counts);
        }
        int held = 0;
        for (ClientSession session : store.snapshot().values()) {
            Metrics.Transport transport = Metrics.Transport.WEBSOCKET;
            if (session instanceof BoshSession bosh) {
                transport = Metrics.Transport.BOSH;
                held += bosh.heldRequests();
            }
            standings.get(transport).merge(session.standing(), 1, Integer::sum);
        }
        return new SessionCensus(standings, held);
    }

    /** How many sessions of {@code transport} stand at {@code standing}. */
    public int count(Metrics.Transport transport, Standing standing) {
        return standings.get(transport).get(standing);
    }

    /** Whether every session has ended, its client told or about to be (none is live or paused). */
    public boolean allTold() {
        return standings.values().stream().allMatch(counts -> counts.get(Standing.LIVE) == 0
                && counts.get(Standing.PAUSED) == 0);
    }

    /** Whether every session's client was told its end (or can no longer be): nothing left for the drain to wait on. */
    public boolean allEnded() {
        return standings.values().stream().allMatch(counts -> counts.entrySet().stream()
                .allMatch(count -> count.getKey() == Standing.ENDED || count.getValue() == 0));
    }
}
