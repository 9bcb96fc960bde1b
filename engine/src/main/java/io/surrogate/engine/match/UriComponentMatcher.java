package io.surrogate.engine.match;

import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.print.CanonicalXml;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code match:uri.component}: some path segment (or the one at {@code index}: 1 is the first,
 * -1 the last) equals the value. {@code /mail/subscribe-event} has the components
 * {@code mail} and {@code subscribe-event}.
 */
public final class UriComponentMatcher implements Matcher {
    private final ValuePattern value;
    private final Integer index;

    public UriComponentMatcher(ValuePattern value, Integer index) {
        this.value = value;
        this.index = index;
    }

    @Override
    public boolean test(EvaluationContext ctx) {
        String[] segments = ctx.segments();
        if (index != null) {
            int i = index > 0 ? index - 1 : segments.length + index;
            return i >= 0 && i < segments.length && value.test(segments[i], ctx);
        }
        for (String s : segments) {
            if (value.test(s, ctx)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String observed(EvaluationContext ctx) {
        String[] segments = ctx.segments();
        return segments.length == 0 ? "the path has no components" : "path components: " + String.join(", ", segments);
    }

    @Override
    public IndexHint indexHint() {
        return value.mode() == ValuePattern.Mode.EXACT && value.value().isConstant()
                ? new IndexHint(IndexHint.Kind.SEGMENT, value.value().source(), value.ignoreCase()) : null;
    }

    @Override
    public String elementName() {
        return "match:uri.component";
    }

    @Override
    public List<CanonicalXml.Attr> attributes() {
        List<CanonicalXml.Attr> attrs = new ArrayList<>(CanonicalXml.attrs("value", value.value().source(),
                "index", index == null ? null : index.toString()));
        value.addAttributes(attrs, false);
        return attrs;
    }
}
