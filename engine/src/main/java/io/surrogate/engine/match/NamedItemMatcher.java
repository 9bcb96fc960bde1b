package io.surrogate.engine.match;

import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.print.CanonicalXml;
import java.util.ArrayList;
import java.util.List;

/**
 * A match on a named item of the request, a header, cookie, query or form field, or a
 * variable: without a value it asks for presence, with one it compares.
 */
public final class NamedItemMatcher implements Matcher {
    /** Where the item comes from. */
    public enum Source {
        HEADER("match:request.header", "header"),
        COOKIE("match:cookie", "cookie"),
        QUERY("match:query", "query parameter"),
        POST("match:post", "body field"),
        VARIABLE("match:variable", "variable");

        private final String element;
        private final String noun;

        Source(String element, String noun) {
            this.element = element;
            this.noun = noun;
        }
    }

    private final Source source;
    private final String name;
    private final int slot;
    private final ValuePattern value;

    /** @param slot the variable's slot for {@link Source#VARIABLE}, else -1 */
    public NamedItemMatcher(Source source, String name, int slot, ValuePattern value) {
        this.source = source;
        this.name = name;
        this.slot = slot;
        this.value = value;
    }

    private String lookup(EvaluationContext ctx) {
        return switch (source) {
            case HEADER -> ctx.request().headers().first(name);
            case COOKIE -> ctx.cookie(name);
            case QUERY -> ctx.query(name);
            case POST -> ctx.postField(name);
            // a variable reads as it renders: "" when unset
            case VARIABLE -> ctx.variable(slot);
        };
    }

    /**
     * Without a value: the item is present (a variable: not empty). With a value: the item
     * compares equal (an unset variable compares as "").
     */
    @Override
    public boolean test(EvaluationContext ctx) {
        String item = lookup(ctx);
        if (value == null) {
            return item != null && !(source == Source.VARIABLE && item.isEmpty());
        }
        return value.test(item, ctx);
    }

    @Override
    public String observed(EvaluationContext ctx) {
        String item = lookup(ctx);
        if (item == null) {
            String why = source == Source.POST && ctx.bodyProblem() != null ? " (" + ctx.bodyProblem() + ")" : "";
            return "no " + source.noun + " '" + name + "'" + why;
        }
        return source.noun + " '" + name + "' is '" + item + "'";
    }

    @Override
    public String elementName() {
        return source.element;
    }

    @Override
    public List<CanonicalXml.Attr> attributes() {
        List<CanonicalXml.Attr> attrs = new ArrayList<>(CanonicalXml.attrs("name", name,
                "value", value == null ? null : value.value().source()));
        if (value != null) {
            value.addAttributes(attrs, false);
        }
        return attrs;
    }
}
