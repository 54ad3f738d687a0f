package org.portico.bosh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.portico.client.AddressLimits;
import org.portico.client.ClientConfig;
import org.portico.cluster.SessionDirectory;
import org.portico.metrics.Metrics;
import org.portico.session.ClientSession;
import org.portico.session.SessionGate;
import org.portico.store.RemovalReason;
import org.portico.store.SessionStore;
import org.portico.store.StoreConfig;
import org.portico.store.testing.ManualScheduler;
import org.portico.store.testing.ManualTicker;
import org.portico.testing.BoshTestClient;
import org.portico.testing.InMemoryUpstream;
import org.portico.testing.RecordingExchange;
import org.portico.xml.XmlElement;
import org.portico.xml.XmlLimits;
import org.portico.xml.XmlParser;

/**
 * The session id (issue 12 security review): opaque, unpredictable and unique (XEP-0124 §7.2 R14, §19.3 R64), 144
 * bits from {@link java.security.SecureRandom}, and valid only as long as its session — after the inactivity
 * period (§10) a request naming it is {@code item-not-found} (§17.2).
 */
class BoshSidTest {

    private static final int SESSIONS = 2000;

    private final ManualTicker ticker = new ManualTicker();
    private final ManualScheduler scheduler = new ManualScheduler(ticker);
    private final SessionStore<String, ClientSession> store = new SessionStore<>(new StoreConfig(SESSIONS), ticker,
            scheduler, Runnable::run, (String id, ClientSession session, RemovalReason reason) -> {
                if (reason == RemovalReason.EXPIRED) {
                    session.expired();
                }
            });
    private final InMemoryUpstream.Factory upstreams = new InMemoryUpstream.Factory();
    /** Answers decided by upstream events are written on the delivering (test) thread, before it returns. */
    private final BoshSessions sessions = new BoshSessions(BoshConfig.DEFAULT, new XmlParser(XmlLimits.DEFAULT),
            upstreams, store, new AddressLimits(ClientConfig.DEFAULT, ticker), ticker, Metrics.NONE,
            new SessionGate(), SessionDirectory.LOCAL, null, Runnable::run);

    @AfterEach
    void closeStoreAndSessions() {
        store.close();
        sessions.close();
    }

    private RecordingExchange post(String body) {
        RecordingExchange exchange = new RecordingExchange();
        sessions.handle(body.getBytes(StandardCharsets.UTF_8), exchange);
        return exchange;
    }

    private RecordingExchange create(long rid) {
        return post("<body xmlns='http://jabber.org/protocol/httpbind' rid='" + rid + "' to='localhost' wait='60' hold='1'"
                + " ver='1.11'/>");
    }

    @Test
    void sidsHave144RandomBitsAndNeverRepeat_R14_R64() {
        for (int i = 0; i < SESSIONS; i++) {
            create(1000 + i);
        }

        Set<String> sids = store.snapshot().keySet();
        assertEquals(SESSIONS, sids.size(), "every session has its own sid");
        int[] ones = new int[144];
        Set<String> seen = new HashSet<>();
        for (String sid : sids) {
            assertTrue(sid.matches("[A-Za-z0-9_-]{24}"), "URL-safe base64 of 18 octets: " + sid);
            byte[] bits = Base64.getUrlDecoder().decode(sid);
            assertEquals(18, bits.length);
            for (int bit = 0; bit < 144; bit++) {
                ones[bit] += bits[bit / 8] >> (bit % 8) & 1;
            }
            assertTrue(seen.add(sid.substring(0, 8)), "even the first 48 bits differ between sessions");
        }
        // each bit is a fair coin: 2000 draws stay within 40–60 % ones (a bias would be > 6 standard deviations)
        for (int bit = 0; bit < 144; bit++) {
            assertTrue(ones[bit] > SESSIONS * 0.4 && ones[bit] < SESSIONS * 0.6,
                    "bit " + bit + " is set in " + ones[bit] + " of " + SESSIONS + " sids");
        }
    }

    @Test
    void aSidIsItemNotFoundOnceItsSessionIsGone_R14() throws Exception {
        RecordingExchange creation = create(1000);
        upstreams.connections.getFirst().open("stream-1");
        upstreams.connections.getFirst().features();
        String sid = BoshTestClient.parse(creation.body()).attribute("sid").orElseThrow();

        ticker.advance(BoshConfig.DEFAULT.maxWait().plus(BoshConfig.DEFAULT.inactivity()).plus(Duration.ofSeconds(1)));
        scheduler.runDue();
        store.cleanUp();

        assertFalse(store.get(sid).isPresent(), "the idle session ended (§10)");
        RecordingExchange late = post("<body xmlns='http://jabber.org/protocol/httpbind' rid='1001' sid='" + sid
                + "'/>");
        XmlElement answer = BoshTestClient.parse(late.body());
        assertEquals("terminate", answer.attribute("type").orElse(null));
        assertEquals("item-not-found", answer.attribute("condition").orElse(null));
    }
}
