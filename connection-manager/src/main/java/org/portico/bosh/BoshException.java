package org.portico.bosh;

/** A request that ends in a terminal binding condition (XEP-0124 §17.2); carries the condition to answer with. */
public final class BoshException extends Exception {

    private final BoshCondition condition;

    public BoshException(BoshCondition condition, String detail) {
        super(detail);
        this.condition = condition;
    }

    public BoshCondition condition() {
        return condition;
    }
}
