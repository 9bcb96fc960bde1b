package io.surrogate.engine.compile;

import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.diag.Diagnostics;
import io.surrogate.engine.eval.Template;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.KeySource;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.ThrowawayKeys;
import io.surrogate.rules.model.Located;
import io.surrogate.rules.model.SourcePosition;
import io.surrogate.rules.schema.SourceText;
import io.surrogate.rules.schema.Suggestions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What every compiler step shares within one compilation: the diagnostics, the keys, the
 * variable slots, and what is used, so that unused variables can be reported at the end.
 */
final class CompileContext {
    private static final Pattern VARIABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,63}");

    final Diagnostics diagnostics = new Diagnostics();
    private final KeySource keys;
    private final ThrowawayKeys throwaway = new ThrowawayKeys();
    private final Map<String, Integer> slots = new LinkedHashMap<>();
    private final Map<String, SourcePosition> definedAt = new LinkedHashMap<>();
    private final Set<String> used = new TreeSet<>();
    private boolean warnedThrowaway;
    SourceText source;

    CompileContext(KeySource keys) {
        this.keys = keys;
    }

    // ---- variables ---------------------------------------------------------------------

    int slot(String variable) {
        return slots.computeIfAbsent(variable, v -> slots.size());
    }

    int define(String variable, SourcePosition at, Scope scope) {
        scope.define(variable);
        definedAt.putIfAbsent(variable, at);
        return slot(variable);
    }

    List<String> variableNames() {
        return new ArrayList<>(slots.keySet());
    }

    /** A reference to a variable: must be in scope. Returns its slot, or -1 after reporting. */
    int use(String variable, Scope scope, SourcePosition at) {
        if (!scope.hasVariable(variable)) {
            Set<String> inScope = scope.variables();
            diagnostics.error(DiagnosticCode.E201, at,
                    "unknown variable '" + variable + "'; " + (inScope.isEmpty() ? "no variables are in scope here"
                            : "variables in scope: " + String.join(", ", inScope)),
                    Suggestions.closest(variable, inScope).map(s -> "did you mean '" + s + "'?")
                            .orElse("extract it first with <variable:extract name=\"" + variable + "\" .../> in this rule or an enclosing one"));
            return -1;
        }
        used.add(variable);
        return slot(variable);
    }

    void reportUnused() {
        for (Map.Entry<String, SourcePosition> e : definedAt.entrySet()) {
            if (!used.contains(e.getKey())) {
                diagnostics.warning(DiagnosticCode.W003, e.getValue(), "variable '" + e.getKey() + "' is extracted but never used",
                        "use it as $(" + e.getKey() + ") or remove the extract");
            }
        }
    }

    /**
     * Parses {@code $(NAME)} references in a text. Each must name a variable in scope. A
     * {@code $} not followed by {@code (} is literal, except {@code $&#123;}: JEXL's and the shell's
     * template syntax, which would otherwise pass silently as text ({@code E207}).
     */
    Template template(String text, Scope scope, SourcePosition at) {
        if (text == null) {
            return Template.constant("");
        }
        List<String> literals = new ArrayList<>();
        List<Integer> slotList = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        int i = 0;
        boolean failed = false;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '(') {
                int close = text.indexOf(')', i + 2);
                if (close < 0) {
                    diagnostics.error(DiagnosticCode.E207, source == null ? at : source.find(at, text.substring(i)), "unterminated variable reference in '" + text + "'",
                            "write $(NAME)");
                    return Template.constant(text);
                }
                String name = text.substring(i + 2, close);
                SourcePosition refAt = source == null ? at : source.find(at, "$(" + name + ")");
                if (!VARIABLE_NAME.matcher(name).matches()) {
                    diagnostics.error(DiagnosticCode.E207, refAt, "invalid variable name '" + name + "' in '" + text + "'",
                            "a variable name is a letter or '_' then letters, digits or '_'");
                    failed = true;
                } else {
                    int slot = use(name, scope, refAt);
                    if (slot < 0) {
                        failed = true;
                    } else {
                        literals.add(literal.toString());
                        literal.setLength(0);
                        slotList.add(slot);
                    }
                }
                i = close + 1;
            } else if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
                int close = text.indexOf('}', i + 2);
                String written = close < 0 ? text.substring(i) : text.substring(i, close + 1);
                diagnostics.error(DiagnosticCode.E207, source == null ? at : source.find(at, written),
                        "'" + written + "' is not a variable reference; templates write $(NAME), without properties or expressions",
                        "write $(NAME); to compute a value, extract it first with <variable:extract from=\"expression\" .../>");
                failed = true;
                i = close < 0 ? text.length() : close + 1;
            } else {
                literal.append(c);
                i++;
            }
        }
        if (failed) {
            return Template.constant(text);
        }
        literals.add(literal.toString());
        return new Template(text, literals.toArray(String[]::new), slotList.stream().mapToInt(Integer::intValue).toArray());
    }

    List<String> keyProblems() {
        return keys.problems();
    }

    // ---- keys ----------------------------------------------------------------------------

    /**
     * The key a rule names, for a purpose. With a keyring the key must be there and fit the
     * purpose; without one a throwaway key stands in, with a warning (once).
     */
    Optional<NamedKey> key(String name, KeyPurpose purpose, SourcePosition at, String role) {
        if (looksLikeSecret(name)) {
            diagnostics.warning(DiagnosticCode.W001, at, "key name '" + redact(name) + "' looks like a secret written inline",
                    "<key> names a keyset in the keyring; create one with 'surrogate keys generate NAME' and write its name here");
        }
        if (keys.throwaway()) {
            if (!warnedThrowaway) {
                warnedThrowaway = true;
                diagnostics.warning(DiagnosticCode.W002, at, "no keyring given: key names are not checked and throwaway keys stand in",
                        "pass --keys DIR to check them against a keyring");
            }
            return Optional.of(throwaway.get(name, purpose));
        }
        Optional<NamedKey> found = keys.find(name);
        if (found.isEmpty()) {
            Set<String> names = keys.names();
            diagnostics.error(DiagnosticCode.E301, at, "the keyring has no key '" + name + "' (" + role + ")",
                    Suggestions.closest(name, names).map(s -> "did you mean '" + s + "'?")
                            .orElse("create it with 'surrogate keys generate " + name + " --type " + purpose.label() + " --keys DIR'"
                                    + (names.isEmpty() ? "" : "; keys in the keyring: " + String.join(", ", names))));
            return Optional.empty();
        }
        if (found.get().purpose() != purpose) {
            diagnostics.error(DiagnosticCode.E302, at, "key '" + name + "' is " + article(found.get().purpose()) + " "
                            + found.get().purpose().label() + " key; " + role + " needs " + article(purpose) + " " + purpose.label() + " key",
                    "generate one with 'surrogate keys generate NAME --type " + purpose.label() + "'");
            return Optional.empty();
        }
        return found;
    }

    private static String article(KeyPurpose purpose) {
        return purpose == KeyPurpose.HMAC ? "an" : "a";
    }

    /** Long and random-looking: hex of 24+ digits, or 24+ characters mixing upper, lower and digits. */
    static boolean looksLikeSecret(String name) {
        if (name.length() < 24) {
            return false;
        }
        if (name.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            return true;
        }
        boolean upper = name.chars().anyMatch(Character::isUpperCase);
        boolean lower = name.chars().anyMatch(Character::isLowerCase);
        boolean digit = name.chars().anyMatch(Character::isDigit);
        return upper && lower && digit;
    }

    private static String redact(String name) {
        return name.substring(0, 4) + "…";
    }

    // ---- positions -----------------------------------------------------------------------

    /** Where {@code needle} first appears at or after {@code from} (a step in an attribute list). */
    SourcePosition find(SourcePosition from, String needle) {
        return source == null ? from : source.find(from, needle);
    }

    SourcePosition attribute(Located element, String attribute) {
        return source == null ? element.position() : source.attribute(element.position(), attribute);
    }
}
