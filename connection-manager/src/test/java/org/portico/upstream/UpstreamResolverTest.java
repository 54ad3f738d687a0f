package org.portico.upstream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.UnknownHostException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.portico.upstream.SrvLookup.SrvRecord;

/** Which servers a domain maps to: RFC 6120 §3.2 (SRV, fallback, configured names), RFC 2782 order, XEP-0124 route. */
class UpstreamResolverTest {

    private static final UpstreamRoute CONFIGURED = new UpstreamRoute("xmpp.internal", 5222, TlsPolicy.REQUIRED);

    /** A DNS that answers from a table and remembers what it was asked. */
    private static final class FakeDns implements SrvLookup {
        final Map<String, List<SrvRecord>> answers;
        final List<String> queries = new ArrayList<>();
        boolean fails;

        FakeDns(Map<String, List<SrvRecord>> answers) {
            this.answers = answers;
        }

        @Override
        public List<SrvRecord> lookup(String name) throws IOException {
            queries.add(name);
            if (fails) {
                throw new IOException("timeout");
            }
            return answers.getOrDefault(name, List.of());
        }
    }

    /** Returns the scripted values from nextInt(bound), so weighted order is deterministic. */
    private static RandomGenerator scripted(int... picks) {
        Deque<Integer> values = new ArrayDeque<>();
        Arrays.stream(picks).forEach(values::add);
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException();
            }

            @Override
            public int nextInt(int bound) {
                int value = values.isEmpty() ? 0 : values.poll();
                if (value >= bound) {
                    throw new AssertionError("pick " + value + " out of range " + bound);
                }
                return value;
            }
        };
    }

    private static UpstreamResolver resolver(FakeDns dns, boolean srv, String... allowedRoutes) {
        UpstreamConfig.Builder builder = UpstreamConfig.builder().domain("Example.COM", CONFIGURED).srvLookup(srv)
                .discoveredTls(TlsPolicy.OPTIONAL);
        for (String route : allowedRoutes) {
            builder.allowRoute(route);
        }
        return new UpstreamResolver(builder.build(), dns, scripted());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"example.com", "EXAMPLE.com", "example.com.", " example.com "})
    void configuredDomainsAreComparedCaseInsensitively(String domain) throws UnknownHostException {
        FakeDns dns = new FakeDns(Map.of());
        assertEquals(List.of(CONFIGURED), resolver(dns, true).resolve(domain, null));
        assertEquals(List.of(), dns.queries, "RFC 6120 §3.2.3: a configured name is used instead of SRV");
    }

    @Test
    void anUnconfiguredDomainIsUnknownWithoutSrv() {
        FakeDns dns = new FakeDns(Map.of());
        UnknownHostException e = assertThrows(UnknownHostException.class,
                () -> resolver(dns, false).resolve("example.net", null));
        assertTrue(e.getMessage().contains("example.net"), e.getMessage());
        assertEquals(List.of(), dns.queries);
    }

    @ParameterizedTest(name = "domain [{0}]")
    @CsvSource({"''", "'a..b'", "'-bad-.org'", "'10.0.0.1'", "'under_score.org'"})
    void namesThatAreNotDnsDomainsAreUnknown(String domain) {
        FakeDns dns = new FakeDns(Map.of());
        assertThrows(UnknownHostException.class, () -> resolver(dns, true).resolve(domain, null));
        assertEquals(List.of(), dns.queries, "nothing reaches DNS");
    }

    @Test
    void srvIsQueriedForTheClientService() throws UnknownHostException {
        FakeDns dns = new FakeDns(Map.of("_xmpp-client._tcp.example.net",
                List.of(new SrvRecord(0, 0, 5223, "xmpp.example.net."))));

        List<UpstreamRoute> targets = resolver(dns, true).resolve("Example.NET", null);

        assertEquals(List.of("_xmpp-client._tcp.example.net"), dns.queries);
        assertEquals(List.of(new UpstreamRoute("xmpp.example.net", 5223, TlsPolicy.OPTIONAL)), targets,
                "trailing dot dropped; discovered servers get the discoveredTls policy");
    }

    @Test
    void withoutSrvRecordsTheDomainItselfIsTriedOnPort5222() throws UnknownHostException {
        FakeDns dns = new FakeDns(Map.of());
        assertEquals(List.of(new UpstreamRoute("example.net", 5222, TlsPolicy.OPTIONAL)),
                resolver(dns, true).resolve("example.net", null), "RFC 6120 §3.2.2 fallback");
    }

    @Test
    void withoutAnyDnsAnswerTheFallbackApplies() throws UnknownHostException {
        FakeDns dns = new FakeDns(Map.of());
        dns.fails = true;
        assertEquals(List.of(new UpstreamRoute("example.net", 5222, TlsPolicy.OPTIONAL)),
                resolver(dns, true).resolve("example.net", null), "RFC 6120 §3.2.1: no response → fallback");
    }

    @Test
    void aSingleDotTargetMeansNoServiceAndNoFallback() {
        FakeDns dns = new FakeDns(Map.of("_xmpp-client._tcp.example.net", List.of(new SrvRecord(0, 0, 0, "."))));
        assertThrows(UnknownHostException.class, () -> resolver(dns, true).resolve("example.net", null),
                "RFC 6120 §3.2.1 / RFC 2782: decidedly not available");
    }

    static Stream<Arguments> srvOrders() {
        SrvRecord a10 = new SrvRecord(10, 60, 5222, "a");
        SrvRecord b10 = new SrvRecord(10, 40, 5222, "b");
        SrvRecord c20 = new SrvRecord(20, 0, 5222, "c");
        SrvRecord d5 = new SrvRecord(5, 0, 5222, "d");
        SrvRecord z10 = new SrvRecord(10, 0, 5222, "z");
        return Stream.of(
                // records, random picks (0..sum of remaining weights), expected target order
                Arguments.of(List.of(c20, a10, d5), new int[] {}, "d a c"),
                Arguments.of(List.of(a10, b10), new int[] {0}, "a b"),
                Arguments.of(List.of(a10, b10), new int[] {60}, "a b"),
                Arguments.of(List.of(a10, b10), new int[] {61}, "b a"),
                Arguments.of(List.of(a10, b10), new int[] {100}, "b a"),
                // weight 0 sorts first in the running sum: picked on 0, otherwise left for last
                Arguments.of(List.of(a10, z10, b10), new int[] {0}, "z a b"),
                Arguments.of(List.of(a10, z10, b10), new int[] {1, 0}, "a z b"),
                Arguments.of(List.of(a10, z10, b10), new int[] {100, 1}, "b a z"),
                Arguments.of(List.of(c20, b10, a10, d5), new int[] {0, 50}, "d a b c"));
    }

    @ParameterizedTest(name = "{0} picks {1} → {2}")
    @MethodSource("srvOrders")
    void srvRecordsAreOrderedByPriorityThenWeightedChoice(List<SrvRecord> records, int[] picks, String expected) {
        List<SrvRecord> ordered = UpstreamResolver.order(records, scripted(picks));
        assertEquals(expected, String.join(" ", ordered.stream().map(SrvRecord::target).toList()), "RFC 2782");
    }

    @Test
    void weightedChoiceFollowsTheWeightsOverManyDraws() {
        SrvRecord heavy = new SrvRecord(1, 90, 5222, "heavy");
        SrvRecord light = new SrvRecord(1, 10, 5222, "light");
        RandomGenerator random = RandomGenerator.of("L64X128MixRandom");
        int heavyFirst = 0;
        for (int i = 0; i < 10_000; i++) {
            if (UpstreamResolver.order(List.of(light, heavy), random).getFirst() == heavy) {
                heavyFirst++;
            }
        }
        assertTrue(heavyFirst > 8_500 && heavyFirst < 9_500, heavyFirst + " of 10000");
    }

    @Test
    void anAllowedRouteWinsOverTheDomain() throws UnknownHostException {
        FakeDns dns = new FakeDns(Map.of());
        assertEquals(List.of(new UpstreamRoute("other.example", 9999, TlsPolicy.OPTIONAL)),
                resolver(dns, false, "xmpp:other.example:9999").resolve("example.com", "xmpp:other.example:9999"));
    }

    @ParameterizedTest(name = "route {0}")
    @CsvSource({"xmpp:evil.example:5222", "xmpp:other.example:9998", "XMPP:other.example:9999", "garbage"})
    void aRouteNotOnTheAllowListIsIgnoredAndTheDomainDecides(String route) throws UnknownHostException {
        FakeDns dns = new FakeDns(Map.of());
        UpstreamResolver resolver = resolver(dns, false, "xmpp:other.example:9999");

        assertEquals(List.of(CONFIGURED), resolver.resolve("example.com", route), "XEP-0124 §7.1 MAY ignore");
        assertThrows(UnknownHostException.class, () -> resolver.resolve("example.net", route),
                "never an open relay");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"'10 60 5222 xmpp.example.net.',10,60,5222,xmpp.example.net", "'0 0 1 .',0,0,1,."})
    void jndiSrvAnswersAreRead(String text, int priority, int weight, int port, String target) {
        assertEquals(new SrvRecord(priority, weight, port, target), JndiSrvLookup.parse(text));
    }
}
