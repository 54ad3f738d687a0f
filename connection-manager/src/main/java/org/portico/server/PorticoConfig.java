package org.portico.server;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.portico.bosh.BoshConfig;
import org.portico.http.HttpConfig;
import org.portico.store.StoreConfig;
import org.portico.upstream.UpstreamConfig;
import org.portico.xml.XmlLimits;

/**
 * Everything Portico is configured with, each part validated by its own record. Read once from
 * {@code conf/portico.properties} (every key documented there) and passed down; nothing reads configuration
 * globally.
 */
public record PorticoConfig(HttpConfig http, BoshConfig bosh, UpstreamConfig upstream, XmlLimits xml,
        StoreConfig store) {

    public PorticoConfig {
        if (xml.maxBytes() < 1024) {
            throw new IllegalArgumentException("xml.maxBytes is too small for any BOSH body");
        }
    }

    /** Loads a properties file; {@code PORTICO_*} environment variables override its keys. */
    public static PorticoConfig load(Path file, Map<String, String> environment) throws IOException {
        Settings settings = Settings.load(file, environment);
        PorticoConfig config = ConfigReader.read(settings);
        settings.rejectUnknownKeys();
        return config;
    }
}
