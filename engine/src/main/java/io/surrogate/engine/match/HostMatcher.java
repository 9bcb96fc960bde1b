package io.surrogate.engine.match;

import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.print.CanonicalXml;
import java.util.ArrayList;
import java.util.List;

/** {@code match:host}: the Host header without its port; host names never depend on case. */
public final class HostMatcher implements Matcher {
    private final ValuePattern value;

    public HostMatcher(ValuePattern value) {
        this.value = value;
    }

    @Override
    public boolean test(EvaluationContext ctx) {
        return value.test(ctx.request().host(), ctx);
    }

    @Override
    public String observed(EvaluationContext ctx) {
        return ctx.request().host().isEmpty() ? "no Host header" : "host '" + ctx.request().host() + "'";
    }

    @Override
    public IndexHint indexHint() {
        return value.mode() == ValuePattern.Mode.EXACT && value.value().isConstant()
                ? new IndexHint(IndexHint.Kind.HOST, value.value().source(), true) : null;
    }

    @Override
    public String elementName() {
        return "match:host";
    }

    @Override
    public List<CanonicalXml.Attr> attributes() {
        List<CanonicalXml.Attr> attrs = new ArrayList<>(CanonicalXml.attrs("value", value.value().source()));
        value.addAttributes(attrs, false);
        attrs.removeIf(a -> a.name().equals("ignore-case"));
        return attrs;
    }
}
