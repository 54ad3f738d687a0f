package org.portico.testing;

import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Helpers for the script-table tests of the lifecycle state machines, whose rows name an event, what it returns and
 * the state after it.
 */
public final class TransitionTables {

    /** What a row gives as the result of an event that returns nothing. */
    public static final String NO_RESULT = "-";

    private TransitionTables() {
    }

    /** An event that returns nothing, as a row's event: its result reads {@link #NO_RESULT}. */
    public static <T> Function<T, Object> returnsNothing(Consumer<T> event) {
        return machine -> {
            event.accept(machine);
            return NO_RESULT;
        };
    }
}
