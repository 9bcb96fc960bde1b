package io.surrogate.engine.compile;

import com.google.common.net.InetAddresses;
import io.surrogate.engine.NonceSource;
import io.surrogate.engine.SubscriptionSettings;
import io.surrogate.engine.SubscriptionType;
import io.surrogate.engine.Transport;
import io.surrogate.engine.action.Cors;
import io.surrogate.engine.action.HandleSubscription;
import io.surrogate.engine.action.RateLimit;
import io.surrogate.engine.action.Respond;
import io.surrogate.engine.action.SetResponseHeader;
import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.eval.ExpressionLanguage;
import io.surrogate.engine.eval.SandboxedExpression;
import io.surrogate.engine.eval.Statement;
import io.surrogate.engine.eval.Template;
import io.surrogate.engine.extract.Builtin;
import io.surrogate.engine.extract.Extraction;
import io.surrogate.engine.extract.Extractor;
import io.surrogate.engine.extract.Extractors;
import io.surrogate.engine.extract.Transform;
import io.surrogate.engine.extract.Transforms;
import io.surrogate.engine.match.ClientIpMatcher;
import io.surrogate.engine.match.Combinator;
import io.surrogate.engine.match.ExpressionMatcher;
import io.surrogate.engine.match.HostMatcher;
import io.surrogate.engine.match.MatchBlock;
import io.surrogate.engine.match.Matcher;
import io.surrogate.engine.match.NamedItemMatcher;
import io.surrogate.engine.match.RequestMethodMatcher;
import io.surrogate.engine.match.UriComponentMatcher;
import io.surrogate.engine.match.UriPathMatcher;
import io.surrogate.engine.match.ValuePattern;
import io.surrogate.engine.text.Durations;
import io.surrogate.engine.text.Wildcards;
import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.rules.model.AllMatchElement;
import io.surrogate.rules.model.AnyMatchElement;
import io.surrogate.rules.model.ClientIpMatchElement;
import io.surrogate.rules.model.CombinatorElement;
import io.surrogate.rules.model.CookieMatchElement;
import io.surrogate.rules.model.CorsElement;
import io.surrogate.rules.model.DenyElement;
import io.surrogate.rules.model.ExpressionMatchElement;
import io.surrogate.rules.model.ExtractElement;
import io.surrogate.rules.model.HandleSubscriptionElement;
import io.surrogate.rules.model.HostMatchElement;
import io.surrogate.rules.model.Located;
import io.surrogate.rules.model.MatchElement;
import io.surrogate.rules.model.NamedMatchElement;
import io.surrogate.rules.model.PostMatchElement;
import io.surrogate.rules.model.QueryMatchElement;
import io.surrogate.rules.model.RateLimitElement;
import io.surrogate.rules.model.RequestHeaderMatchElement;
import io.surrogate.rules.model.RequestMethodMatchElement;
import io.surrogate.rules.model.RespondElement;
import io.surrogate.rules.model.ResponseHeaderElement;
import io.surrogate.rules.model.SourcePosition;
import io.surrogate.rules.model.StatementElement;
import io.surrogate.rules.model.TextElement;
import io.surrogate.rules.model.TokenElement;
import io.surrogate.rules.model.UriComponentMatchElement;
import io.surrogate.rules.model.UriPathMatchElement;
import io.surrogate.rules.model.ValueMatchElement;
import io.surrogate.rules.model.VariableMatchElement;
import io.surrogate.rules.schema.Suggestions;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.apache.commons.jexl3.JexlException;
import org.apache.commons.jexl3.JexlExpression;

/**
 * One compiler step per element: model in, runtime statement out, every problem reported to
 * the context. A step never throws on bad input; it reports and returns what it can (or null),
 * so that one pass finds every error.
 */
final class StatementCompiler {
    private static final Pattern GROUP_NAME = Pattern.compile("\\(\\?<([a-zA-Z][a-zA-Z0-9]*)>");
    private static final Set<String> RESERVED_HEADERS = Set.of("content-length", "transfer-encoding", "connection",
            "keep-alive", "upgrade", "te", "trailer", "proxy-connection");
    private static final Pattern ORIGIN = Pattern.compile("https?://[A-Za-z0-9.\\-\\[\\]:]+");

    private final CompileContext cx;

    StatementCompiler(CompileContext cx) {
        this.cx = cx;
    }

    /** Compiles a body in order; extracts define variables for the siblings after them. */
    List<Statement> body(List<StatementElement> elements, Scope scope) {
        List<Statement> out = new ArrayList<>(elements.size());
        for (StatementElement e : elements) {
            Statement s = statement(e, scope);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }

    private Statement statement(StatementElement e, Scope scope) {
        if (e instanceof MatchElement m) {
            return match(m, scope, false);
        }
        if (e instanceof CombinatorElement c) {
            return combinator(c, scope);
        }
        if (e instanceof ExtractElement x) {
            return extract(x, scope);
        }
        if (e instanceof HandleSubscriptionElement h) {
            return handleSubscription(h, scope);
        }
        if (e instanceof RespondElement r) {
            return respond(r, scope);
        }
        if (e instanceof DenyElement d) {
            return deny(d, scope);
        }
        if (e instanceof ResponseHeaderElement h) {
            return responseHeader(h, scope);
        }
        if (e instanceof CorsElement c) {
            return cors(c);
        }
        if (e instanceof RateLimitElement r) {
            return rateLimit(r, scope);
        }
        throw new IllegalStateException("no compiler step for " + e.getClass().getSimpleName());
    }

    // ---- matches ---------------------------------------------------------------------------

    private MatchBlock match(MatchElement m, Scope scope, boolean operand) {
        Scope inner = scope.child();
        Matcher matcher = matcher(m, scope, inner);
        boolean negate = !bool(m, "result", m.result(), true);
        List<Statement> body = body(m.body(), inner);
        if (!operand && m.body().isEmpty()) {
            cx.diagnostics.warning(DiagnosticCode.W004, m.position(), "'" + m.elementName() + "' has an empty body and does nothing",
                    "put the variables and actions that depend on it inside it");
        }
        return matcher == null ? null : new MatchBlock(matcher, negate, body, m.position());
    }

    private Matcher matcher(MatchElement m, Scope scope, Scope inner) {
        if (m instanceof UriComponentMatchElement u) {
            ValuePattern v = valuePattern(u, scope, inner, false, null);
            Integer index = null;
            if (u.index() != null) {
                index = integer(u, "index", u.index(), -64, 64);
                if (index != null && index == 0) {
                    cx.diagnostics.error(DiagnosticCode.E211, cx.attribute(u, "index"), "index 0 does not name a path component",
                            "1 is the first component, -1 the last");
                    index = null;
                }
            }
            return v == null ? null : new UriComponentMatcher(v, index);
        }
        if (m instanceof UriPathMatchElement p) {
            ValuePattern v = valuePattern(p, scope, inner, false, p.prefix());
            return v == null ? null : new UriPathMatcher(v);
        }
        if (m instanceof RequestMethodMatchElement r) {
            ValuePattern v = valuePattern(r, scope, inner, false, null);
            return v == null ? null : new RequestMethodMatcher(v);
        }
        if (m instanceof HostMatchElement h) {
            ValuePattern v = valuePattern(h, scope, inner, true, null);
            return v == null ? null : new HostMatcher(v);
        }
        if (m instanceof NamedMatchElement n) {
            return namedMatcher(n, scope, inner);
        }
        if (m instanceof ClientIpMatchElement c) {
            return clientIp(c);
        }
        if (m instanceof ExpressionMatchElement x) {
            SandboxedExpression e = expression(x, x.value(), scope);
            return e == null ? null : new ExpressionMatcher(e);
        }
        throw new IllegalStateException("no matcher for " + m.getClass().getSimpleName());
    }

    private Matcher namedMatcher(NamedMatchElement n, Scope scope, Scope inner) {
        String name = n.name();
        if (name == null || name.isEmpty()) {
            cx.diagnostics.error(DiagnosticCode.E106, n.position(), "'" + n.elementName() + "' needs the attribute 'name'");
            return null;
        }
        ValuePattern v = n.value() == null ? null : valuePattern(n, scope, inner, false, null);
        if (n.value() != null && v == null) {
            return null;
        }
        if (n instanceof VariableMatchElement) {
            int slot = cx.use(name, scope, cx.attribute(n, "name"));
            return slot < 0 ? null : new NamedItemMatcher(NamedItemMatcher.Source.VARIABLE, name, slot, v);
        }
        NamedItemMatcher.Source source = n instanceof RequestHeaderMatchElement ? NamedItemMatcher.Source.HEADER
                : n instanceof CookieMatchElement ? NamedItemMatcher.Source.COOKIE
                : n instanceof QueryMatchElement ? NamedItemMatcher.Source.QUERY
                : n instanceof PostMatchElement ? NamedItemMatcher.Source.POST
                : null;
        if (source == null) {
            throw new IllegalStateException("no source for " + n.getClass().getSimpleName());
        }
        return new NamedItemMatcher(source, name, -1, v);
    }

    /** The value and its switches; named regex groups become captures of the body's scope. */
    private ValuePattern valuePattern(ValueMatchElement m, Scope scope, Scope inner, boolean alwaysIgnoreCase, String prefixAttribute) {
        String value = m.value();
        if (value == null) {
            cx.diagnostics.error(DiagnosticCode.E106, m.position(), "'" + m.elementName() + "' needs the attribute 'value'");
            return null;
        }
        boolean ignoreCase = alwaysIgnoreCase | bool(m, "ignore-case", m.ignoreCase(), false);
        boolean wildcard = bool(m, "wildcard", m.wildcard(), false);
        boolean regex = bool(m, "regex", m.regex(), false);
        boolean prefix = prefixAttribute != null && bool(m, "prefix", prefixAttribute, false);
        if ((wildcard ? 1 : 0) + (regex ? 1 : 0) + (prefix ? 1 : 0) > 1) {
            cx.diagnostics.error(DiagnosticCode.E206, m.position(), "'" + m.elementName() + "' sets more than one of "
                    + (prefixAttribute != null ? "prefix, " : "") + "wildcard and regex", "choose one way to compare the value");
            return null;
        }
        if ((wildcard || regex) && value.contains("$(")) {
            cx.diagnostics.error(DiagnosticCode.E213, cx.attribute(m, "value"), "a " + (regex ? "regex" : "wildcard")
                    + " value cannot hold a variable reference: patterns are compiled once, at load time",
                    "compare with <match:variable name=\"...\" value=\"...\"/> instead, or write the pattern out");
            return null;
        }
        if (regex || wildcard) {
            String source = regex ? value : Wildcards.toRegex(value);
            try {
                Pattern p = Pattern.compile(source, ignoreCase ? Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE : 0);
                List<String> groups = new ArrayList<>();
                java.util.regex.Matcher g = GROUP_NAME.matcher(regex ? value : "");
                while (g.find()) {
                    groups.add(g.group(1));
                    inner.defineCapture(g.group(1));
                }
                return ValuePattern.pattern(regex ? ValuePattern.Mode.REGEX : ValuePattern.Mode.WILDCARD,
                        Template.constant(value), ignoreCase, p, groups);
            } catch (PatternSyntaxException e) {
                cx.diagnostics.error(DiagnosticCode.E202, cx.attribute(m, "value"),
                        "invalid regex '" + value + "': " + e.getDescription() + (e.getIndex() >= 0 ? " at index " + e.getIndex() : ""),
                        "the syntax is Java's java.util.regex; named groups are (?<name>...)");
                return null;
            }
        }
        Template t = cx.template(value, scope, cx.attribute(m, "value"));
        return prefix ? ValuePattern.prefix(t, ignoreCase) : ValuePattern.exact(t, ignoreCase);
    }

    private Matcher clientIp(ClientIpMatchElement c) {
        if (c.value() == null) {
            cx.diagnostics.error(DiagnosticCode.E106, c.position(), "'match:client.ip' needs the attribute 'value'");
            return null;
        }
        List<ClientIpMatcher.Cidr> blocks = new ArrayList<>();
        for (String item : c.value().trim().split("[\\s,]+")) {
            if (item.isEmpty()) {
                continue;
            }
            Optional<ClientIpMatcher.Cidr> cidr = cidr(item);
            if (cidr.isEmpty()) {
                cx.diagnostics.error(DiagnosticCode.E205, cx.attribute(c, "value"), "invalid CIDR block '" + item + "'",
                        "write an address with an optional prefix length: 10.0.0.0/8, 192.0.2.7, 2001:db8::/32");
                return null;
            }
            blocks.add(cidr.get());
        }
        if (blocks.isEmpty()) {
            cx.diagnostics.error(DiagnosticCode.E205, cx.attribute(c, "value"), "'match:client.ip' lists no address block",
                    "write one or more blocks separated by spaces: 10.0.0.0/8 127.0.0.1");
            return null;
        }
        return new ClientIpMatcher(blocks);
    }

    static Optional<ClientIpMatcher.Cidr> cidr(String text) {
        int slash = text.indexOf('/');
        String address = slash < 0 ? text : text.substring(0, slash);
        if (!InetAddresses.isInetAddress(address)) {
            return Optional.empty();
        }
        InetAddress a = InetAddresses.forString(address);
        int max = a.getAddress().length * 8;
        int prefix = max;
        if (slash >= 0) {
            String p = text.substring(slash + 1);
            if (!p.matches("[0-9]{1,3}")) {
                return Optional.empty();
            }
            prefix = Integer.parseInt(p);
            if (prefix > max) {
                return Optional.empty();
            }
        }
        return Optional.of(new ClientIpMatcher.Cidr(a.getAddress(), prefix, slash < 0 ? address : address + "/" + prefix));
    }

    private MatchBlock combinator(CombinatorElement c, Scope scope) {
        Combinator.Kind kind = c instanceof AnyMatchElement ? Combinator.Kind.ANY
                : c instanceof AllMatchElement ? Combinator.Kind.ALL : Combinator.Kind.NOT;
        List<MatchBlock> operands = new ArrayList<>();
        boolean ok = true;
        if (c.when() == null || c.when().operands().isEmpty()) {
            cx.diagnostics.error(DiagnosticCode.E106, c.position(), "'" + c.elementName() + "' needs a <when> with at least one match");
            ok = false;
        } else {
            for (StatementElement operand : c.when().operands()) {
                if (operand instanceof MatchElement m && m.body().isEmpty()) {
                    MatchBlock b = match(m, scope, true);
                    ok &= b != null;
                    if (b != null) {
                        operands.add(b);
                    }
                } else if (operand instanceof CombinatorElement nested && nested.body().isEmpty()) {
                    MatchBlock b = combinator(nested, scope);
                    ok &= b != null;
                    if (b != null) {
                        operands.add(b);
                    }
                } else {
                    cx.diagnostics.error(DiagnosticCode.E210, operand.position(), "'" + operand.elementName()
                                    + "' cannot be an operand of '" + c.elementName() + "'",
                            "operands in <when> are matches without a body; put variables and actions after </when>");
                    ok = false;
                }
            }
        }
        List<Statement> body = body(c.body(), scope.child());
        return ok ? new MatchBlock(new Combinator(kind, operands), false, body, c.position()) : null;
    }

    // ---- variables --------------------------------------------------------------------------

    private Extraction extract(ExtractElement x, Scope scope) {
        String name = x.name();
        if (name == null || x.from() == null) {
            // the schema reported the missing attribute
            return null;
        }
        Extractor extractor = extractor(x, scope);
        Template defaultValue = x.defaultValue() == null ? null : cx.template(x.defaultValue(), scope, cx.attribute(x, "default"));
        List<Transform> transforms = transforms(x);
        boolean required = bool(x, "required", x.required(), false);
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
                Integer index = integer(x, "key", key, -64, 64);
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
                SandboxedExpression e = expression(x, x.value(), scope);
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

    private SandboxedExpression expression(Located element, String source, Scope scope) {
        SourcePosition at = cx.attribute(element, "value");
        if (source == null) {
            return null;
        }
        if (source.length() > ExpressionLanguage.MAX_LENGTH) {
            cx.diagnostics.error(DiagnosticCode.E203, at, "expression is " + source.length() + " characters; the limit is "
                    + ExpressionLanguage.MAX_LENGTH, "an expression is a condition; split it over nested matches");
            return null;
        }
        int reference = source.indexOf("$(");
        if (reference >= 0) {
            int close = source.indexOf(')', reference);
            String name = close < 0 ? "NAME" : source.substring(reference + 2, close);
            cx.diagnostics.error(DiagnosticCode.E203, cx.find(at, "$("), "an expression names variables directly, not as $(" + name + ")",
                    "write " + name + " == 'value' instead of $(" + name + ") == 'value'");
            return null;
        }
        JexlExpression parsed;
        try {
            parsed = ExpressionLanguage.parse(source);
        } catch (JexlException.Feature e) {
            cx.diagnostics.error(DiagnosticCode.E204, at, "forbidden in an expression: " + jexlMessage(e),
                    "expressions may use variables, literals and operators (== != < > && || ! =~ =^ =$ + - * / %), nothing else");
            return null;
        } catch (JexlException e) {
            if (ExpressionLanguage.usesStatementKeyword(source)) {
                cx.diagnostics.error(DiagnosticCode.E204, at, "forbidden in an expression: loops, functions and other statements",
                        "expressions may use variables, literals and operators (== != < > && || ! =~ =^ =$ + - * / %), nothing else");
            } else {
                cx.diagnostics.error(DiagnosticCode.E203, at, "invalid expression '" + source + "': " + jexlMessage(e), null);
            }
            return null;
        }
        String access = ExpressionLanguage.forbiddenAccess(source);
        if (access != null) {
            cx.diagnostics.error(DiagnosticCode.E204, at, "forbidden in an expression: property or index access near '" + access + "'",
                    "expressions see variables as plain values; there are no objects to reach into");
            return null;
        }
        Map<String, Integer> slots = new HashMap<>();
        boolean ok = true;
        for (List<String> path : parsed instanceof org.apache.commons.jexl3.JexlScript script ? script.getVariables() : java.util.Set.<List<String>>of()) {
            String name = path.get(0);
            if (path.size() > 1) {
                cx.diagnostics.error(DiagnosticCode.E204, at, "forbidden in an expression: property access '" + String.join(".", path) + "'",
                        "expressions see variables as plain values; there are no objects to reach into");
                ok = false;
            } else if (SandboxedExpression.BUILTINS.contains(name) && !scope.hasVariable(name)) {
                continue;
            } else {
                int slot = cx.use(name, scope, at);
                ok &= slot >= 0;
                slots.put(name, slot);
            }
        }
        return ok ? new SandboxedExpression(source, parsed, slots) : null;
    }

    private static String jexlMessage(JexlException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        // JEXL prefixes its own location; ours is the element's, and the source is in the message
        m = m.replaceAll("^[^ ]*@\\d+:\\d+(:\\d+)? ", "");
        return m.replace('\n', ' ');
    }

    // ---- actions ------------------------------------------------------------------------------

    private HandleSubscription handleSubscription(HandleSubscriptionElement h, Scope scope) {
        boolean ok = true;
        TokenElement token = h.token();
        NamedKey tokenKey = null;
        NonceSource nonce = SubscriptionSettings.DEFAULT_NONCE_SOURCE;
        Duration lifetime = SubscriptionSettings.DEFAULT_TOKEN_LIFETIME;
        if (token == null || token.key() == null) {
            if (token != null) {
                cx.diagnostics.error(DiagnosticCode.E106, token.position(), "<token> needs a <key>");
            } else {
                cx.diagnostics.error(DiagnosticCode.E106, h.position(), "'" + h.elementName() + "' needs a <token> with a <key>");
            }
            ok = false;
        } else {
            tokenKey = cx.key(token.key().value().trim(), KeyPurpose.TOKEN, token.key().position(), "the token key").orElse(null);
            ok &= tokenKey != null;
            nonce = choice(token.nonceSource(), nonce, NonceSource::byName, "nonce source", "PORT, CONNECTION, RANDOM");
            ok &= nonce != null;
            if (token.lifetime() != null) {
                Duration d = duration(token.lifetime(), Duration.ofSeconds(1), Duration.ofDays(7), DiagnosticCode.E304);
                ok &= d != null;
                lifetime = d == null ? lifetime : d;
            }
        }
        Template user = h.user() == null ? Template.constant("") : cx.template(h.user().value().strip(), scope, h.user().position());
        Template eventId = null;
        if (h.eventId() == null) {
            cx.diagnostics.error(DiagnosticCode.E106, h.position(), "'" + h.elementName() + "' needs an <event-id>");
            ok = false;
        } else {
            eventId = cx.template(h.eventId().value().strip(), scope, h.eventId().position());
        }
        Template customer = h.customerCode() == null ? Template.constant(HandleSubscription.DEFAULT_CUSTOMER)
                : cx.template(h.customerCode().value().strip(), scope, h.customerCode().position());
        Optional<String> origin = Optional.empty();
        Duration originTimeout = SubscriptionSettings.DEFAULT_ORIGIN_TIMEOUT;
        if (h.origin() != null) {
            String url = h.origin().url().trim();
            if (!url.matches("https?://[^\\s/?#]+(/[^\\s?#]*)?")) {
                cx.diagnostics.error(DiagnosticCode.E105, h.origin().position(), "invalid origin URL '" + url + "'",
                        "expected an http:// or https:// URL without query: http://127.0.0.1:8081");
                ok = false;
            } else {
                origin = Optional.of(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
            }
            if (h.origin().timeout() != null) {
                Duration d = durationAttr(h.origin(), "timeout", h.origin().timeout(), Duration.ofMillis(100), Duration.ofSeconds(60));
                ok &= d != null;
                originTimeout = d == null ? originTimeout : d;
            }
        }
        String originKeyName = h.originKey() == null ? SubscriptionSettings.DEFAULT_ORIGIN_KEY : h.originKey().value().trim();
        SourcePosition originKeyAt = h.originKey() == null ? h.position() : h.originKey().position();
        NamedKey originKey = cx.key(originKeyName, KeyPurpose.HMAC, originKeyAt,
                h.originKey() == null ? "signing requests to the origin; <origin-key> defaults to 'origin'" : "signing requests to the origin").orElse(null);
        ok &= originKey != null;
        SubscriptionType type = choice(h.subscriptionType(), SubscriptionSettings.DEFAULT_TYPE, SubscriptionType::byLabel,
                "subscription type", "one-shot, repeatable, stream");
        Transport transport = choice(h.transport(), SubscriptionSettings.DEFAULT_TRANSPORT, Transport::byLabel,
                "transport", "auto, sse, long-poll, stream");
        ok &= type != null && transport != null;
        Duration heartbeat = SubscriptionSettings.DEFAULT_HEARTBEAT;
        if (h.heartbeat() != null) {
            Duration d = duration(h.heartbeat(), Duration.ofSeconds(1), Duration.ofHours(1), DiagnosticCode.E211);
            ok &= d != null;
            heartbeat = d == null ? heartbeat : d;
        }
        Duration retry = SubscriptionSettings.DEFAULT_RETRY;
        if (h.retry() != null) {
            Duration d = duration(h.retry(), Duration.ZERO, Duration.ofHours(1), DiagnosticCode.E211);
            ok &= d != null;
            retry = d == null ? retry : d;
        }
        int replay = SubscriptionSettings.DEFAULT_REPLAY_BUFFER;
        if (h.replayBuffer() != null) {
            Integer n = integer(h.replayBuffer(), null, h.replayBuffer().value().trim(), 0, 10_000);
            ok &= n != null;
            replay = n == null ? replay : n;
        }
        boolean forwardBody = false;
        if (h.forwardRejectionBody() != null) {
            forwardBody = bool(h.forwardRejectionBody(), null, h.forwardRejectionBody().value().trim(), false);
        }
        if (!ok || eventId == null) {
            return null;
        }
        return new HandleSubscription(user, eventId, customer, new SubscriptionSettings(tokenKey, nonce, lifetime,
                originKey, origin, originTimeout, type, transport, heartbeat, retry, replay, forwardBody), h.position());
    }

    private Respond respond(RespondElement r, Scope scope) {
        Integer status = status(r, r.status(), 100);
        String contentType = r.contentType() == null ? Respond.DEFAULT_CONTENT_TYPE : r.contentType();
        if (contentType.indexOf('\r') >= 0 || contentType.indexOf('\n') >= 0) {
            cx.diagnostics.error(DiagnosticCode.E105, cx.attribute(r, "content-type"), "content-type cannot span lines");
            return null;
        }
        Template body = cx.template(r.body(), scope, r.position());
        return status == null ? null : new Respond(false, status, contentType, body, r.position());
    }

    private Respond deny(DenyElement d, Scope scope) {
        Integer status = d.status() == null ? Integer.valueOf(403) : status(d, d.status(), 400);
        Template reason = d.reason() == null ? Template.constant("") : cx.template(d.reason(), scope, cx.attribute(d, "reason"));
        return status == null ? null : new Respond(true, status, Respond.DEFAULT_CONTENT_TYPE, reason, d.position());
    }

    private SetResponseHeader responseHeader(ResponseHeaderElement h, Scope scope) {
        if (h.name() == null || h.value() == null) {
            return null;
        }
        if (RESERVED_HEADERS.contains(h.name().toLowerCase(Locale.ROOT))) {
            cx.diagnostics.error(DiagnosticCode.E211, cx.attribute(h, "name"), "header '" + h.name() + "' belongs to the server's framing and cannot be set by a rule", null);
            return null;
        }
        if (!h.name().matches("[!#$%&'*+\\-.^_`|~0-9A-Za-z]{1,128}")) {
            return null;
        }
        return new SetResponseHeader(h.name(), cx.template(h.value(), scope, cx.attribute(h, "value")), h.position());
    }

    private Cors cors(CorsElement c) {
        if (c.allowOrigin() == null) {
            return null;
        }
        List<String> origins = new ArrayList<>();
        boolean ok = true;
        for (String o : c.allowOrigin().trim().split("\\s+")) {
            if (o.equals("*") || ORIGIN.matcher(o).matches()) {
                origins.add(o);
            } else if (!o.isEmpty()) {
                cx.diagnostics.error(DiagnosticCode.E211, cx.attribute(c, "allow-origin"), "invalid origin '" + o + "'",
                        "an origin is scheme://host[:port] without a path, e.g. https://mail.example.com, or *");
                ok = false;
            }
        }
        boolean credentials = bool(c, "allow-credentials", c.allowCredentials(), false);
        if (credentials && origins.contains("*")) {
            cx.diagnostics.error(DiagnosticCode.E211, cx.attribute(c, "allow-credentials"), "allow-credentials cannot be used with allow-origin=\"*\"",
                    "browsers refuse credentials with a wildcard origin; list the origins");
            ok = false;
        }
        Duration maxAge = c.maxAge() == null ? null : durationAttr(c, "max-age", c.maxAge(), Duration.ZERO, Duration.ofDays(1));
        if (c.maxAge() != null && maxAge == null) {
            ok = false;
        }
        if (c.allowHeaders() != null && (c.allowHeaders().indexOf('\n') >= 0 || c.allowHeaders().indexOf('\r') >= 0)) {
            cx.diagnostics.error(DiagnosticCode.E105, cx.attribute(c, "allow-headers"), "allow-headers cannot span lines");
            ok = false;
        }
        return ok && !origins.isEmpty() ? new Cors(origins, credentials, c.allowHeaders(), maxAge, c.position()) : null;
    }

    private RateLimit rateLimit(RateLimitElement r, Scope scope) {
        if (r.key() == null || r.limit() == null || r.per() == null) {
            return null;
        }
        Template key = cx.template(r.key(), scope, cx.attribute(r, "key"));
        Integer limit = integer(r, "limit", r.limit(), 1, 1_000_000_000);
        Duration per = durationAttr(r, "per", r.per(), Duration.ofSeconds(1), Duration.ofDays(1));
        Integer status = r.status() == null ? Integer.valueOf(429) : status(r, r.status(), 400);
        return limit == null || per == null || status == null ? null : new RateLimit(key, limit, per, status, r.position());
    }

    // ---- values ---------------------------------------------------------------------------------

    /** One of a fixed set of words in a child element, or the default when the element is absent; null after an error. */
    private <T> T choice(TextElement e, T defaultValue, java.util.function.Function<String, Optional<T>> lookup, String what, String expected) {
        if (e == null) {
            return defaultValue;
        }
        Optional<T> value = lookup.apply(e.value().trim());
        if (value.isEmpty()) {
            cx.diagnostics.error(DiagnosticCode.E105, e.position(), "invalid " + what + " '" + e.value() + "'", "expected one of: " + expected);
        }
        return value.orElse(null);
    }

    private boolean bool(Located e, String attribute, String text, boolean defaultValue) {
        if (text == null) {
            return defaultValue;
        }
        switch (text.trim()) {
            case "true", "1":
                return true;
            case "false", "0":
                return false;
            default:
                cx.diagnostics.error(DiagnosticCode.E105, attribute == null ? e.position() : cx.attribute(e, attribute),
                        "invalid value '" + text + "'" + (attribute == null ? "" : " for attribute '" + attribute + "'"), "expected true or false");
                return defaultValue;
        }
    }

    private Integer integer(Located e, String attribute, String text, int min, int max) {
        if (text == null) {
            return null; // a required attribute left out: the schema check has reported it
        }
        SourcePosition at = attribute == null ? e.position() : cx.attribute(e, attribute);
        try {
            int n = Integer.parseInt(text.trim());
            if (n < min || n > max) {
                cx.diagnostics.error(DiagnosticCode.E211, at, "value " + n + " is out of range", "expected " + min + " to " + max);
                return null;
            }
            return n;
        } catch (NumberFormatException ex) {
            cx.diagnostics.error(DiagnosticCode.E105, at, "invalid number '" + text + "'", "expected a whole number from " + min + " to " + max);
            return null;
        }
    }

    private Integer status(Located e, String text, int min) {
        return integer(e, "status", text, min, 599);
    }

    private Duration duration(TextElement e, Duration min, Duration max, DiagnosticCode rangeCode) {
        return checkDuration(e.position(), e.value(), min, max, rangeCode, "'" + e.elementName() + "'");
    }

    private Duration durationAttr(Located e, String attribute, String text, Duration min, Duration max) {
        return checkDuration(cx.attribute(e, attribute), text, min, max, DiagnosticCode.E211, "attribute '" + attribute + "'");
    }

    private Duration checkDuration(SourcePosition at, String text, Duration min, Duration max, DiagnosticCode rangeCode, String what) {
        Optional<Duration> d = Durations.parse(text);
        if (d.isEmpty()) {
            cx.diagnostics.error(DiagnosticCode.E105, at, "invalid duration '" + text + "' for " + what,
                    "expected a number and a unit: 250ms, 15s, 5m, 1h, 1d");
            return null;
        }
        if (d.get().compareTo(min) < 0 || d.get().compareTo(max) > 0) {
            cx.diagnostics.error(rangeCode, at, "duration " + text.trim() + " for " + what + " is out of range",
                    "expected " + Durations.format(min) + " to " + Durations.format(max));
            return null;
        }
        return d.get();
    }
}
