package io.surrogate.engine.eval;

import java.util.Map;
import org.apache.commons.jexl3.JexlContext;
import org.apache.commons.jexl3.JexlException;
import org.apache.commons.jexl3.JexlExpression;

/**
 * A JEXL expression compiled once by {@link ExpressionLanguage}, evaluated against the
 * variables in scope and a few request built-ins. A failure at run time (a type error, say)
 * yields null: a match reads it as false, an extract as absent.
 */
public final class SandboxedExpression {
    /** Names an expression may use besides variables. */
    public static final java.util.List<String> BUILTINS = java.util.List.of("method", "path", "host", "clientIp", "clientPort");

    private final String source;
    private final JexlExpression expression;
    private final Map<String, Integer> slots;

    public SandboxedExpression(String source, JexlExpression expression, Map<String, Integer> slots) {
        this.source = source;
        this.expression = expression;
        this.slots = Map.copyOf(slots);
    }

    public String source() {
        return source;
    }

    public Object evaluate(EvaluationContext ctx) {
        try {
            return expression.evaluate(new Bindings(ctx));
        } catch (JexlException | ArithmeticException | ClassCastException e) {
            return null;
        }
    }

    /** For traces: the value, or why there is none. */
    public String explain(EvaluationContext ctx) {
        try {
            Object v = expression.evaluate(new Bindings(ctx));
            return "expression gave " + (v instanceof String s ? "'" + s + "'" : String.valueOf(v));
        } catch (JexlException | ArithmeticException | ClassCastException e) {
            String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            return "expression failed: " + m.replaceAll("^\\S+@\\d+:\\d+ ", "");
        }
    }

    private final class Bindings implements JexlContext {
        private final EvaluationContext ctx;

        Bindings(EvaluationContext ctx) {
            this.ctx = ctx;
        }

        @Override
        public Object get(String name) {
            Integer slot = slots.get(name);
            if (slot != null) {
                return ctx.variable(slot);
            }
            return switch (name) {
                case "method" -> ctx.request().method();
                case "path" -> ctx.request().path();
                case "host" -> ctx.request().host();
                case "clientIp" -> ctx.request().clientIp();
                case "clientPort" -> ctx.request().clientPort();
                default -> null;
            };
        }

        @Override
        public void set(String name, Object value) {
            throw new UnsupportedOperationException("expressions cannot assign");
        }

        @Override
        public boolean has(String name) {
            return slots.containsKey(name) || BUILTINS.contains(name);
        }
    }
}
