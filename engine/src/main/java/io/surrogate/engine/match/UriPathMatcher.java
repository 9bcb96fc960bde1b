package io.surrogate.engine.match;

import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.print.CanonicalXml;
import java.util.ArrayList;
import java.util.List;

/** {@code match:uri.path}: the raw path, exact, by prefix, by wildcard, or by regex with named captures. */
public final class UriPathMatcher implements Matcher {
    private final ValuePattern value;

    public UriPathMatcher(ValuePattern value) {
        this.value = value;
    }

    @Override
    public boolean test(EvaluationContext ctx) {
        return value.test(ctx.request().path(), ctx);
    }

    @Override
    public String observed(EvaluationContext ctx) {
        return "path '" + ctx.request().path() + "'";
    }

    @Override
    public IndexHint indexHint() {
        return value.mode() == ValuePattern.Mode.EXACT && value.value().isConstant()
                ? new IndexHint(IndexHint.Kind.PATH, value.value().source(), value.ignoreCase()) : null;
    }

    @Override
    public String elementName() {
        return "match:uri.path";
    }

    @Override
    public List<CanonicalXml.Attr> attributes() {
        List<CanonicalXml.Attr> attrs = new ArrayList<>(CanonicalXml.attrs("value", value.value().source()));
        value.addAttributes(attrs, true);
        return attrs;
    }
}
