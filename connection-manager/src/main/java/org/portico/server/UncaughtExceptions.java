package org.portico.server;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last word on an exception that nothing caught: one ERROR line through SLF4J, with its stack trace, where the
 * JVM's default prints it on standard error, which an operator's log collection may never read. {@link Portico}
 * installs it for the whole process.
 *
 * <p>Portico's own tasks catch what they expect, so what arrives here is a bug, a library's failure on a thread of
 * its own, or the JVM's: on JDK 25.0.3, code compiled by C2 can pass over the catch block of a virtual thread whose
 * compiled caller was deoptimized while the thread was parked (JDK-8389310; docs/reliability.md, "An exception that
 * passed its catch block").
 */
final class UncaughtExceptions implements Thread.UncaughtExceptionHandler {

    private static final Logger log = LoggerFactory.getLogger(UncaughtExceptions.class);

    @Override
    public void uncaughtException(Thread thread, Throwable e) {
        log.error("thread {} ended by an exception nothing caught: {}", thread.getName(), e.toString(), e);
    }
}
