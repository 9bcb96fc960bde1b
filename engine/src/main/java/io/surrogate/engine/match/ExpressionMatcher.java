package io.surrogate.engine.match;

import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.SandboxedExpression;
import io.surrogate.engine.print.CanonicalXml;
import java.util.List;

/** {@code match:expression}: a sandboxed JEXL expression that must yield {@code true}. */
public final class ExpressionMatcher implements Matcher {
    private final SandboxedExpression expression;

    public ExpressionMatcher(SandboxedExpression expression) {
        this.expression = expression;
    }

    @Override
    public boolean test(EvaluationContext ctx) {
        return Boolean.TRUE.equals(expression.evaluate(ctx));
    }

    @Override
    public String observed(EvaluationContext ctx) {
        return expression.explain(ctx);
    }

    @Override
    public String elementName() {
        return "match:expression";
    }

    @Override
    public List<CanonicalXml.Attr> attributes() {
        return CanonicalXml.attrs("value", expression.source());
    }
}
