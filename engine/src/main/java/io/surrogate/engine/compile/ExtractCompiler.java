package io.surrogate.engine.compile;

import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.eval.SandboxedExpression;
import io.surrogate.engine.eval.Template;
import io.surrogate.engine.extract.Builtin;
import io.surrogate.engine.extract.Extraction;
import io.surrogate.engine.extract.Extractor;
import io.surrogate.engine.extract.Extractors;
import io.surrogate.engine.extract.Transform;
import io.surrogate.engine.extract.Transforms;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.rules.model.ExtractElement;
import io.surrogate.rules.model.SourcePosition;
import io.surrogate.rules.schema.Suggestions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The compiler step of {@code variable:extract}: its source ({@code from} with its key or
 * value), its default and its transforms; the variable is defined for the siblings after it.
 */
final class ExtractCompiler {
    private final CompileContext cx;
    private final AttributeValues values;
    private final ExpressionCompiler expressions;

    ExtractCompiler(CompileContext cx, AttributeValues values, ExpressionCompiler expressions) {
        this.cx = cx;
        this.values = values;
        this.expressions = expressions;
    }

    Extraction extract(ExtractElement x, Scope scope) {
        String name = x.name();
        if (name == null || x.from() == null) {
            // the schema reported the missing attribute
            return null;
        }
        Extractor extractor = extractor(x, scope);
        Template defaultValue = x.defaultValue() == null ? null : cx.template(x.defaultValue(), scope, cx.attribute(x, "default"));
        List<Transform> transforms = transforms(x);
        boolean required = values.bool(x, "required", x.required(), false);
        int slot = cx.define(name, x.position(), scope);
        return extractor == null || transforms == null ? null
                : new Extraction(name, slot, extractor, defaultValue, transforms, required, x.position());
    }

    private Extractor extractor(ExtractElement x, Scope scope) {
        String from = x.from();
        String key = x.key();
        boolean needsKey = Set.of("post", "cookie", "header", "query", "path-segment", "regex-capture", "builtin").contains(from);
        boolean needsValue = from.equals("constant") || from.equals("expression");
        if (needsKey && (key == null || key.isEmpty())) {
            cx.diagnostics.error(DiagnosticCode.E212, x.position(), "from=\"" + from + "\" needs a key", keyHelp(from));
            return null;
        }
        if (!needsKey && key != null) {
            cx.diagnostics.error(DiagnosticCode.E212, cx.attribute(x, "key"), "from=\"" + from + "\" takes no key", null);
            return null;
        }
        if (needsValue && x.value() == null) {
            cx.diagnostics.error(DiagnosticCode.E212, x.position(), "from=\"" + from + "\" needs a value", null);
            return null;
        }
        if (!needsValue && x.value() != null) {
            cx.diagnostics.error(DiagnosticCode.E212, cx.attribute(x, "value"), "from=\"" + from + "\" takes no value",
                    "value is for from=\"constant\" and from=\"expression\"; a fallback is default=\"...\"");
            return null;
        }
        switch (from) {
            case "post":
                return Extractors.post(key);
            case "cookie":
                return Extractors.cookie(key);
            case "header":
                return Extractors.header(key);
            case "query":
                return Extractors.query(key);
            case "path-segment": {
                Integer index = values.integer(x, "key", key, -64, 64);
                if (index == null || index == 0) {
                    if (index != null) {
                        cx.diagnostics.error(DiagnosticCode.E211, cx.attribute(x, "key"), "path segment 0 does not exist", "1 is the first segment, -1 the last");
                    }
                    return null;
                }
                return Extractors.pathSegment(index);
            }
            case "regex-capture":
                if (!scope.hasCapture(key)) {
                    List<String> captures = scope.captures();
                    cx.diagnostics.error(DiagnosticCode.E209, cx.attribute(x, "key"), "no enclosing regex match has a group named '" + key + "'",
                            captures.isEmpty() ? "name a group in an enclosing regex: <match:uri.path regex=\"true\" value=\"/quotes/(?<" + key + ">[A-Z]+)\">"
                                    : Suggestions.closest(key, captures).map(s -> "did you mean '" + s + "'?").orElse("groups in scope: " + String.join(", ", captures)));
                    return null;
                }
                return Extractors.regexCapture(key);
            case "client-ip":
                return Extractors.clientIp();
            case "client-port":
                return Extractors.clientPort();
            case "constant":
                return Extractors.constant(cx.template(x.value(), scope, cx.attribute(x, "value")));
            case "expression": {
                SandboxedExpression e = expressions.compile(x, x.value(), scope);
                return e == null ? null : Extractors.expression(e);
            }
            case "builtin": {
                Optional<Builtin> b = Builtin.byKey(key);
                if (b.isEmpty()) {
                    List<String> keys = Arrays.stream(Builtin.values()).map(Builtin::key).toList();
                    cx.diagnostics.error(DiagnosticCode.E212, cx.attribute(x, "key"), "unknown built-in '" + key + "'",
                            Suggestions.closest(key, keys).map(s -> "did you mean '" + s + "'?").orElse("built-ins: " + String.join(", ", keys)));
                    return null;
                }
                return Extractors.builtin(b.get());
            }
            default:
                // the schema reported the unknown source
                return null;
        }
    }

    private static String keyHelp(String from) {
        return switch (from) {
            case "post" -> "key names the form or JSON field: key=\"id\" (a.b reaches into JSON objects)";
            case "cookie" -> "key names the cookie: key=\"user\"";
            case "header" -> "key names the header: key=\"X-Client-Id\"";
            case "query" -> "key names the query parameter: key=\"topic\"";
            case "path-segment" -> "key is the segment's index: 1 the first, -1 the last";
            case "regex-capture" -> "key names a group of an enclosing regex match";
            default -> "key names a built-in: client-port, edge-id, time...";
        };
    }

    private List<Transform> transforms(ExtractElement x) {
        if (x.transform() == null) {
            return List.of();
        }
        List<Transform> out = new ArrayList<>();
        boolean ok = true;
        for (String step : x.transform().trim().split("\\s+")) {
            if (step.isEmpty()) {
                continue;
            }
            int colon = step.indexOf(':');
            String name = colon < 0 ? step : step.substring(0, colon);
            String arg = colon < 0 ? null : step.substring(colon + 1);
            SourcePosition at = cx.find(cx.attribute(x, "transform"), step);
            if (Transforms.SIMPLE.contains(name) && arg == null) {
                out.add(Transforms.simple(name));
            } else if (name.equals("clamp") && arg != null && arg.matches("[0-9]{1,5}") && Integer.parseInt(arg) >= 1
                    && Integer.parseInt(arg) <= 65536) {
                out.add(Transforms.clamp(Integer.parseInt(arg)));
            } else if (name.equals("hmac") && arg != null && !arg.isEmpty()) {
                Optional<NamedKey> key = cx.key(arg, KeyPurpose.HMAC, at, "the hmac transform");
                ok &= key.isPresent();
                key.ifPresent(k -> out.add(Transforms.hmac(k)));
            } else {
                List<String> known = new ArrayList<>(Transforms.SIMPLE);
                known.add("clamp:N");
                known.add("hmac:KEY");
                String help = Transforms.SIMPLE.contains(name) ? "'" + name + "' takes no argument"
                        : name.equals("clamp") ? "clamp takes a length from 1 to 65536: clamp:64"
                        : name.equals("hmac") ? "hmac takes a key name: hmac:user-ids"
                        : Suggestions.closest(name, known).map(s -> "did you mean '" + s + "'?").orElse("transforms: " + String.join(", ", known));
                cx.diagnostics.error(DiagnosticCode.E208, at, "invalid transform '" + step + "'", help);
                ok = false;
            }
        }
        return ok ? out : null;
    }
}
