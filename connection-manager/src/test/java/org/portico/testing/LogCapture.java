package org.portico.testing;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;

/**
 * Records every log event of the test JVM while open, so a test can assert what was logged for one request (the
 * issue's "each bad request gets one log line"). Attached to the root logger; thread-safe, since events arrive from
 * HTTP, upstream and timer threads. Use {@link #clear()} before the action and read {@link #events()} after it.
 */
public final class LogCapture implements AutoCloseable {

    private final Recorder recorder = new Recorder();
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

    private LogCapture() {
        recorder.setContext(root.getLoggerContext());
        recorder.setName("log-capture");
        recorder.start();
        root.addAppender(recorder);
    }

    public static LogCapture start() {
        return new LogCapture();
    }

    public void clear() {
        recorder.events.clear();
    }

    public List<ILoggingEvent> events() {
        return new ArrayList<>(recorder.events);
    }

    /** The formatted messages of the events that match, in order. */
    public List<String> lines(Predicate<ILoggingEvent> which) {
        return recorder.events.stream().filter(which).map(ILoggingEvent::getFormattedMessage).toList();
    }

    /** Events at INFO or above from loggers under {@code prefix} (e.g. {@code org.portico.bosh}). */
    public static Predicate<ILoggingEvent> infoOrAbove(String prefix) {
        return event -> event.getLevel().isGreaterOrEqual(Level.INFO) && event.getLoggerName().startsWith(prefix);
    }

    /** Events at WARN or above from any logger. */
    public static Predicate<ILoggingEvent> warnings() {
        return event -> event.getLevel().isGreaterOrEqual(Level.WARN);
    }

    @Override
    public void close() {
        root.detachAppender(recorder);
        recorder.stop();
    }

    private static final class Recorder extends AppenderBase<ILoggingEvent> {
        private final ConcurrentLinkedQueue<ILoggingEvent> events = new ConcurrentLinkedQueue<>();

        @Override
        protected void append(ILoggingEvent event) {
            event.prepareForDeferredProcessing();
            events.add(event);
        }
    }
}
