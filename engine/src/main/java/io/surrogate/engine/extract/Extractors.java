package io.surrogate.engine.extract;

import io.surrogate.engine.eval.EvaluationContext;
import io.surrogate.engine.eval.SandboxedExpression;
import io.surrogate.engine.eval.Template;

/** The variable sources of {@code variable:extract}, one small class each. */
public final class Extractors {
    private Extractors() {}

    public static Extractor post(String key) {
        return new Keyed("post", key) {
            @Override
            public String extract(EvaluationContext ctx) {
                return ctx.postField(key);
            }
        };
    }

    public static Extractor cookie(String key) {
        return new Keyed("cookie", key) {
            @Override
            public String extract(EvaluationContext ctx) {
                return ctx.cookie(key);
            }
        };
    }

    public static Extractor header(String key) {
        return new Keyed("header", key) {
            @Override
            public String extract(EvaluationContext ctx) {
                return ctx.request().headers().first(key);
            }
        };
    }

    public static Extractor query(String key) {
        return new Keyed("query", key) {
            @Override
            public String extract(EvaluationContext ctx) {
                return ctx.query(key);
            }
        };
    }

    /** The path segment at a 1-based index, or counted from the end when negative. */
    public static Extractor pathSegment(int index) {
        return new Keyed("path-segment", Integer.toString(index)) {
            @Override
            public String extract(EvaluationContext ctx) {
                String[] segments = ctx.segments();
                int i = index > 0 ? index - 1 : segments.length + index;
                return i >= 0 && i < segments.length ? segments[i] : null;
            }
        };
    }

    public static Extractor regexCapture(String group) {
        return new Keyed("regex-capture", group) {
            @Override
            public String extract(EvaluationContext ctx) {
                return ctx.captured(group);
            }
        };
    }

    public static Extractor clientIp() {
        return new Keyed("client-ip", null) {
            @Override
            public String extract(EvaluationContext ctx) {
                return ctx.request().clientIp();
            }
        };
    }

    public static Extractor clientPort() {
        return new Keyed("client-port", null) {
            @Override
            public String extract(EvaluationContext ctx) {
                return Integer.toString(ctx.request().clientPort());
            }
        };
    }

    public static Extractor constant(Template value) {
        return new Extractor() {
            @Override
            public String extract(EvaluationContext ctx) {
                return value.render(ctx);
            }

            @Override
            public String from() {
                return "constant";
            }

            @Override
            public String value() {
                return value.source();
            }
        };
    }

    public static Extractor expression(SandboxedExpression expression) {
        return new Extractor() {
            @Override
            public String extract(EvaluationContext ctx) {
                Object v = expression.evaluate(ctx);
                return v == null ? null : String.valueOf(v);
            }

            @Override
            public String from() {
                return "expression";
            }

            @Override
            public String value() {
                return expression.source();
            }
        };
    }

    /** Built-in values: {@link Builtin}. */
    public static Extractor builtin(Builtin builtin) {
        return new Keyed("builtin", builtin.key()) {
            @Override
            public String extract(EvaluationContext ctx) {
                return builtin.value(ctx);
            }
        };
    }

    private abstract static class Keyed implements Extractor {
        private final String from;
        private final String key;

        Keyed(String from, String key) {
            this.from = from;
            this.key = key;
        }

        @Override
        public String from() {
            return from;
        }

        @Override
        public String key() {
            return key;
        }
    }
}
