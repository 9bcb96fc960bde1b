package io.surrogate.engine.match;

import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.print.CanonicalXml;
import java.util.List;

/** {@code match:any}, {@code match:all} and {@code match:not} over operand matches without bodies. */
public final class Combinator implements Matcher {
    public enum Kind {
        ANY("match:any"), ALL("match:all"), NOT("match:not");

        private final String element;

        Kind(String element) {
            this.element = element;
        }
    }

    private final Kind kind;
    private final MatchBlock[] operands;

    public Combinator(Kind kind, List<MatchBlock> operands) {
        this.kind = kind;
        this.operands = operands.toArray(MatchBlock[]::new);
    }

    public List<MatchBlock> operands() {
        return List.of(operands);
    }

    @Override
    public boolean test(EvaluationContext ctx) {
        // Operands are conditions only: their regex captures are in no scope, so none may outlive them.
        int mark = ctx.captureMark();
        boolean result = switch (kind) {
            case ANY -> anyMatches(ctx);
            case ALL -> allMatch(ctx);
            case NOT -> !allMatch(ctx);
        };
        ctx.dropCapturesAfter(mark);
        return result;
    }

    private boolean anyMatches(EvaluationContext ctx) {
        for (MatchBlock m : operands) {
            if (m.matches(ctx)) {
                return true;
            }
        }
        return false;
    }

    private boolean allMatch(EvaluationContext ctx) {
        for (MatchBlock m : operands) {
            if (!m.matches(ctx)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String observed(EvaluationContext ctx) {
        int mark = ctx.captureMark();
        StringBuilder out = new StringBuilder();
        for (MatchBlock m : operands) {
            if (out.length() > 0) {
                out.append("; ");
            }
            out.append(m.syntax()).append(m.matches(ctx) ? " matched" : " did not match");
        }
        ctx.dropCapturesAfter(mark);
        return out.toString();
    }

    @Override
    public String elementName() {
        return kind.element;
    }

    @Override
    public List<CanonicalXml.Attr> attributes() {
        return List.of();
    }
}
