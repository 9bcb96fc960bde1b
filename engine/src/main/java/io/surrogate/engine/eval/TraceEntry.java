package io.surrogate.engine.eval;

/** One step of an evaluation: which statement, at what depth, what happened and why. */
public record TraceEntry(int depth, String statement, Result result, String detail) {
    public enum Result {
        MATCHED("matched"),
        NOT_MATCHED("did not match"),
        SET("set"),
        APPLIED("applied"),
        FAILED("failed");

        private final String label;

        Result(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public String render() {
        return "  ".repeat(depth) + statement + "  " + result.label() + (detail == null || detail.isEmpty() ? "" : ": " + detail);
    }
}
