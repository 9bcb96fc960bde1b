package io.surrogate.engine.diag;

import io.surrogate.rules.schema.SchemaProblem;

/**
 * The catalog of diagnostics. Codes are stable: tests, docs/diagnostics.md and operators'
 * scripts key on them, never on the English. E1xx come from reading and the schema, E2xx
 * from the compiler's semantic checks, E3xx from keys and tokens, Wxxx are warnings.
 */
public enum DiagnosticCode {
    E100("malformed XML"),
    E101("DOCTYPE refused"),
    E102("rule file too large"),
    E103("unknown element"),
    E104("unknown attribute"),
    E105("invalid value"),
    E106("missing attribute or element"),
    E107("element or text not allowed here"),
    E108("wrong root element"),
    E109("rule file unreadable"),
    E110("nesting too deep"),

    E201("unknown variable"),
    E202("invalid regular expression"),
    E203("invalid expression"),
    E204("forbidden expression construct"),
    E205("invalid CIDR block"),
    E206("conflicting match switches"),
    E207("invalid variable reference"),
    E208("invalid transform"),
    E209("unknown regex capture"),
    E210("invalid combinator operand"),
    E211("value out of range"),
    E212("missing or superfluous key"),
    E213("variable in a pattern"),
    E214("regex construct not supported"),
    E215("regex too large"),
    E220("header not forwardable"),
    E221("forwarded twice"),

    E301("key not in keyring"),
    E302("key of the wrong type"),
    E303("keyring unreadable"),
    E304("token lifetime out of range"),
    E305("JWKS file unusable"),
    E306("no key for a JWT algorithm"),

    W001("key name looks like a secret"),
    W002("keys not checked"),
    W003("variable never used"),
    W004("match with an empty body"),
    W005("costly pattern");

    private final String title;

    DiagnosticCode(String title) {
        this.title = title;
    }

    public String title() {
        return title;
    }

    public Severity severity() {
        return name().startsWith("W") ? Severity.WARNING : Severity.ERROR;
    }

    /** The code for a problem found while reading a file. */
    public static DiagnosticCode of(SchemaProblem.Kind kind) {
        return switch (kind) {
            case UNREADABLE -> E109;
            case TOO_LARGE -> E102;
            case MALFORMED -> E100;
            case TOO_DEEP -> E110;
            case DOCTYPE -> E101;
            case WRONG_ROOT -> E108;
            case UNKNOWN_ELEMENT -> E103;
            case UNKNOWN_ATTRIBUTE -> E104;
            case MISSING -> E106;
            case INVALID_VALUE -> E105;
            case MISPLACED_ELEMENT, INVALID_CONTENT -> E107;
        };
    }
}
