package io.surrogate.engine.match;

import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.print.CanonicalXml;
import java.util.ArrayList;
import java.util.List;

/** {@code match:request.method}. */
public final class RequestMethodMatcher implements Matcher {
    private final ValuePattern value;

    public RequestMethodMatcher(ValuePattern value) {
        this.value = value;
    }

    @Override
    public boolean test(EvaluationContext ctx) {
        return value.test(ctx.request().method(), ctx);
    }

    @Override
    public String observed(EvaluationContext ctx) {
        return "method " + ctx.request().method();
    }

    @Override
    public String elementName() {
        return "match:request.method";
    }

    @Override
    public List<CanonicalXml.Attr> attributes() {
        List<CanonicalXml.Attr> attrs = new ArrayList<>(CanonicalXml.attrs("value", value.value().source()));
        value.addAttributes(attrs, false);
        return attrs;
    }
}
