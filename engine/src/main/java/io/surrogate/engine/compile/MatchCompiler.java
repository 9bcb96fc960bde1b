package io.surrogate.engine.compile;

import com.google.common.net.InetAddresses;
import io.surrogate.engine.diag.DiagnosticCode;
import io.surrogate.engine.eval.SandboxedExpression;
import io.surrogate.engine.eval.Statement;
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
import io.surrogate.rules.model.AllMatchElement;
import io.surrogate.rules.model.AnyMatchElement;
import io.surrogate.rules.model.ClientIpMatchElement;
import io.surrogate.rules.model.CombinatorElement;
import io.surrogate.rules.model.CookieMatchElement;
import io.surrogate.rules.model.ExpressionMatchElement;
import io.surrogate.rules.model.HostMatchElement;
import io.surrogate.rules.model.MatchElement;
import io.surrogate.rules.model.NamedMatchElement;
import io.surrogate.rules.model.PostMatchElement;
import io.surrogate.rules.model.QueryMatchElement;
import io.surrogate.rules.model.RequestHeaderMatchElement;
import io.surrogate.rules.model.RequestMethodMatchElement;
import io.surrogate.rules.model.StatementElement;
import io.surrogate.rules.model.UriComponentMatchElement;
import io.surrogate.rules.model.UriPathMatchElement;
import io.surrogate.rules.model.VariableMatchElement;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The compiler step of the match family: {@code match:*} elements and the combinators
 * {@code match:any}, {@code match:all}, {@code match:not}. Each match element has its matcher
 * step in the table below; the body is compiled in a child scope that holds the regex captures.
 */
final class MatchCompiler {
    /** Builds the matcher of one match element; {@code inner} is the scope of its body. */
    private interface MatcherStep<T> {
        Matcher compile(T element, Scope scope, Scope inner);
    }

    private static final Map<Class<?>, NamedItemMatcher.Source> NAMED_SOURCES = Map.of(
            RequestHeaderMatchElement.class, NamedItemMatcher.Source.HEADER,
            CookieMatchElement.class, NamedItemMatcher.Source.COOKIE,
            QueryMatchElement.class, NamedItemMatcher.Source.QUERY,
            PostMatchElement.class, NamedItemMatcher.Source.POST);

    private final CompileContext cx;
    private final AttributeValues values;
    private final ExpressionCompiler expressions;
    private final ValuePatternCompiler patterns;
    private final StatementCompiler bodies;
    private final StepTable<MatcherStep<MatchElement>> matchers = new StepTable<>();

    MatchCompiler(CompileContext cx, AttributeValues values, ExpressionCompiler expressions, StatementCompiler bodies) {
        this.cx = cx;
        this.values = values;
        this.expressions = expressions;
        this.patterns = new ValuePatternCompiler(cx, values);
        this.bodies = bodies;
        on(UriComponentMatchElement.class, this::uriComponent);
        on(UriPathMatchElement.class, (p, scope, inner) -> {
            ValuePattern v = patterns.compile(p, scope, inner, false, p.prefix());
            return v == null ? null : new UriPathMatcher(v);
        });
        on(RequestMethodMatchElement.class, (r, scope, inner) -> {
            ValuePattern v = patterns.compile(r, scope, inner, false, null);
            return v == null ? null : new RequestMethodMatcher(v);
        });
        on(HostMatchElement.class, (h, scope, inner) -> {
            ValuePattern v = patterns.compile(h, scope, inner, true, null);
            return v == null ? null : new HostMatcher(v);
        });
        on(NamedMatchElement.class, this::namedMatcher);
        on(ClientIpMatchElement.class, (c, scope, inner) -> clientIp(c));
        on(ExpressionMatchElement.class, (x, scope, inner) -> {
            SandboxedExpression e = expressions.compile(x, x.value(), scope);
            return e == null ? null : new ExpressionMatcher(e);
        });
    }

    private <T extends MatchElement> void on(Class<T> type, MatcherStep<T> step) {
        matchers.put(type, (m, scope, inner) -> step.compile(type.cast(m), scope, inner));
    }

    /** A match in a body. */
    MatchBlock match(MatchElement m, Scope scope) {
        return match(m, scope, false);
    }

    private MatchBlock match(MatchElement m, Scope scope, boolean operand) {
        Scope inner = scope.child();
        Matcher matcher = matchers.find(m).compile(m, scope, inner);
        boolean negate = !values.bool(m, "result", m.result(), true);
        List<Statement> body = bodies.body(m.body(), inner);
        if (!operand && m.body().isEmpty()) {
            cx.diagnostics.warning(DiagnosticCode.W004, m.position(), "'" + m.elementName() + "' has an empty body and does nothing",
                    "put the variables and actions that depend on it inside it");
        }
        return matcher == null ? null : new MatchBlock(matcher, negate, body, m.position());
    }

    private Matcher uriComponent(UriComponentMatchElement u, Scope scope, Scope inner) {
        ValuePattern v = patterns.compile(u, scope, inner, false, null);
        Integer index = null;
        if (u.index() != null) {
            index = values.integer(u, "index", u.index(), -64, 64);
            if (index != null && index == 0) {
                cx.diagnostics.error(DiagnosticCode.E211, cx.attribute(u, "index"), "index 0 does not name a path component",
                        "1 is the first component, -1 the last");
                index = null;
            }
        }
        return v == null ? null : new UriComponentMatcher(v, index);
    }

    private Matcher namedMatcher(NamedMatchElement n, Scope scope, Scope inner) {
        String name = n.name();
        if (name == null || name.isEmpty()) {
            cx.diagnostics.error(DiagnosticCode.E106, n.position(), "'" + n.elementName() + "' needs the attribute 'name'");
            return null;
        }
        ValuePattern v = n.value() == null ? null : patterns.compile(n, scope, inner, false, null);
        if (n.value() != null && v == null) {
            return null;
        }
        if (n instanceof VariableMatchElement) {
            int slot = cx.use(name, scope, cx.attribute(n, "name"));
            return slot < 0 ? null : new NamedItemMatcher(NamedItemMatcher.Source.VARIABLE, name, slot, v);
        }
        NamedItemMatcher.Source source = NAMED_SOURCES.get(n.getClass());
        if (source == null) {
            throw new IllegalStateException("no source for " + n.getClass().getSimpleName());
        }
        return new NamedItemMatcher(source, name, -1, v);
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

    /** {@code match:any}, {@code match:all}, {@code match:not}: operands are matches without a body. */
    MatchBlock combinator(CombinatorElement c, Scope scope) {
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
        List<Statement> body = bodies.body(c.body(), scope.child());
        return ok ? new MatchBlock(new Combinator(kind, operands), false, body, c.position()) : null;
    }
}
