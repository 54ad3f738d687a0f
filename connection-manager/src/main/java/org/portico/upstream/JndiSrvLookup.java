package org.portico.upstream;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Hashtable;
import java.util.List;
import javax.naming.Context;
import javax.naming.NameNotFoundException;
import javax.naming.NamingEnumeration;
import javax.naming.NamingException;
import javax.naming.directory.Attribute;
import javax.naming.directory.Attributes;
import javax.naming.directory.DirContext;
import javax.naming.directory.InitialDirContext;

/**
 * DNS SRV through the JDK's own DNS provider ({@code com.sun.jndi.dns.DnsContextFactory}), using the system's
 * resolvers. Stateless and thread-safe: each lookup opens and closes its own context.
 */
public final class JndiSrvLookup implements SrvLookup {

    private static final String DNS_FACTORY = "com.sun.jndi.dns.DnsContextFactory";
    private static final int RETRIES = 2;

    private final String initialTimeoutMillis;

    /**
     * @param timeout bound on one query against one DNS server, retries included; the JDK doubles its timeout on
     *                each retry, so the first attempt gets a third of it
     */
    public JndiSrvLookup(Duration timeout) {
        this.initialTimeoutMillis = Long.toString(Math.max(100, timeout.toMillis() / (1 + 2)));
    }

    @Override
    public List<SrvRecord> lookup(String name) throws IOException {
        Hashtable<String, String> env = new Hashtable<>();
        env.put(Context.INITIAL_CONTEXT_FACTORY, DNS_FACTORY);
        env.put("com.sun.jndi.dns.timeout.initial", initialTimeoutMillis);
        env.put("com.sun.jndi.dns.timeout.retries", Integer.toString(RETRIES));
        DirContext context = null;
        try {
            context = new InitialDirContext(env);
            Attributes attributes = context.getAttributes(name, new String[] {"SRV"});
            Attribute srv = attributes.get("SRV");
            List<SrvRecord> records = new ArrayList<>();
            if (srv != null) {
                NamingEnumeration<?> values = srv.getAll();
                while (values.hasMore()) {
                    records.add(parse(String.valueOf(values.next())));
                }
            }
            return records;
        } catch (NameNotFoundException e) {
            return List.of();
        } catch (NamingException | IllegalArgumentException e) {
            throw new IOException("SRV lookup of " + name + " failed: " + e.getMessage(), e);
        } finally {
            if (context != null) {
                try {
                    context.close();
                } catch (NamingException ignored) {
                    // nothing is held open after a completed query
                }
            }
        }
    }

    /** Reads the presentation form JNDI returns: {@code "priority weight port target."}. */
    static SrvRecord parse(String value) {
        String[] fields = value.trim().split("\\s+");
        if (fields.length != 4) {
            throw new IllegalArgumentException("malformed SRV record: " + value);
        }
        return new SrvRecord(Integer.parseInt(fields[0]), Integer.parseInt(fields[1]), Integer.parseInt(fields[2]),
                fields[3]);
    }
}
