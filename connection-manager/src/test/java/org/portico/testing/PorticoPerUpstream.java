package org.portico.testing;

import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One Portico per {@link Upstream} for a test class, started when a test first asks for it and stopped after the
 * class: register it as a static field with {@code @RegisterExtension} and parameterize tests with
 * {@code @EnumSource(Upstream.class)}.
 */
public final class PorticoPerUpstream implements AfterAllCallback {

    private final Map<Upstream, PorticoHarness> started = new EnumMap<>(Upstream.class);

    /** The Portico in front of {@code upstream}; skips (or, in the full run, fails) when that server is not running. */
    public synchronized PorticoHarness in(Upstream upstream) throws Exception {
        PorticoHarness portico = started.get(upstream);
        if (portico == null) {
            portico = upstream.startPortico();
            started.put(upstream, portico);
        }
        return portico;
    }

    @Override
    public synchronized void afterAll(ExtensionContext context) {
        started.values().forEach(PorticoHarness::close);
        started.clear();
    }
}
