package io.surrogate.engine.eval;

/**
 * Text with {@code $(NAME)} references, resolved to variable slots at compile time.
 * Rendering returns the raw text; the destination escapes it (see {@code Escaping}).
 */
public final class Template {
    private final String source;
    /** literals.length == slots.length + 1: literal, slot, literal, slot, ..., literal */
    private final String[] literals;
    private final int[] slots;

    public Template(String source, String[] literals, int[] slots) {
        if (literals.length != slots.length + 1) {
            throw new IllegalArgumentException("literals must surround slots");
        }
        this.source = source;
        this.literals = literals.clone();
        this.slots = slots.clone();
    }

    public static Template constant(String text) {
        return new Template(text, new String[] {text}, new int[0]);
    }

    public boolean isConstant() {
        return slots.length == 0;
    }

    public String render(EvaluationContext ctx) {
        if (slots.length == 0) {
            return literals[0];
        }
        if (slots.length == 1 && literals[0].isEmpty() && literals[1].isEmpty()) {
            return ctx.variable(slots[0]);
        }
        StringBuilder out = new StringBuilder(64);
        for (int i = 0; i < slots.length; i++) {
            out.append(literals[i]).append(ctx.variable(slots[i]));
        }
        return out.append(literals[slots.length]).toString();
    }

    /** The text as written in the rule file. */
    public String source() {
        return source;
    }

    @Override
    public String toString() {
        return source;
    }
}
