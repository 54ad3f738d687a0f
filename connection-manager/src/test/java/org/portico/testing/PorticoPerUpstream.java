package org.portico.testing;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.portico.upstream.TlsPolicy;

/**
 * One Portico per {@link Upstream} (and upstream leg) for a test class, started when a test first asks for it and
 * stopped after the class: register it as a static field with {@code @RegisterExtension} and parameterize tests with
 * {@code @EnumSource(Upstream.class)}.
 */
public final class PorticoPerUpstream implements AfterAllCallback {

    private final Map<String, PorticoHarness> started = new HashMap<>();

    /** The Portico in front of {@code upstream}; skips (or, in the full run, fails) when that server is not running. */
    public PorticoHarness in(Upstream upstream) throws Exception {
        return in(upstream, TlsPolicy.REQUIRED);
    }

    /** As {@link #in(Upstream)}, with {@code leg} as the STARTTLS policy towards the server. */
    public synchronized PorticoHarness in(Upstream upstream, TlsPolicy leg) throws Exception {
        String key = upstream + " " + leg;
        PorticoHarness portico = started.get(key);
        if (portico == null) {
            portico = upstream.startPortico(leg);
            started.put(key, portico);
        }
        return portico;
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) {
        started.values().forEach(PorticoHarness::close);
        started.clear();
    }
}
