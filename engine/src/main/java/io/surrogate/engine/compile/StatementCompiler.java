package io.surrogate.engine.compile;

import io.surrogate.engine.eval.Statement;
import io.surrogate.rules.model.CombinatorElement;
import io.surrogate.rules.model.CorsElement;
import io.surrogate.rules.model.DenyElement;
import io.surrogate.rules.model.ExtractElement;
import io.surrogate.rules.model.JwtElement;
import io.surrogate.rules.model.HandleSubscriptionElement;
import io.surrogate.rules.model.MatchElement;
import io.surrogate.rules.model.RateLimitElement;
import io.surrogate.rules.model.RespondElement;
import io.surrogate.rules.model.ResponseHeaderElement;
import io.surrogate.rules.model.StatementElement;
import java.util.ArrayList;
import java.util.List;

/**
 * Compiles rule bodies: each element goes to the compiler step of its family, listed in the
 * table below (matches, variables, subscriptions, responses). A step never throws on bad
 * input; it reports to the context and returns what it can (or null), so that one pass finds
 * every error.
 */
final class StatementCompiler {
    /** One compiler step: a model element in, a runtime statement out (null after an error). */
    interface Step<T> {
        Statement compile(T element, Scope scope);
    }

    private final StepTable<Step<StatementElement>> steps = new StepTable<>();

    StatementCompiler(CompileContext cx) {
        AttributeValues values = new AttributeValues(cx);
        ExpressionCompiler expressions = new ExpressionCompiler(cx);
        MatchCompiler matches = new MatchCompiler(cx, values, expressions, this);
        ExtractCompiler extracts = new ExtractCompiler(cx, values, expressions);
        JwtCompiler jwts = new JwtCompiler(cx, values);
        HandleSubscriptionCompiler subscriptions = new HandleSubscriptionCompiler(cx, values);
        ResponseCompiler responses = new ResponseCompiler(cx, values);
        on(MatchElement.class, matches::match);
        on(CombinatorElement.class, matches::combinator);
        on(ExtractElement.class, extracts::extract);
        on(JwtElement.class, jwts::jwt);
        on(HandleSubscriptionElement.class, subscriptions::handleSubscription);
        on(RespondElement.class, responses::respond);
        on(DenyElement.class, responses::deny);
        on(ResponseHeaderElement.class, responses::responseHeader);
        on(CorsElement.class, (c, scope) -> responses.cors(c));
        on(RateLimitElement.class, responses::rateLimit);
    }

    private <T extends StatementElement> void on(Class<T> type, Step<T> step) {
        steps.put(type, (e, scope) -> step.compile(type.cast(e), scope));
    }

    /** Compiles a body in order; extracts define variables for the siblings after them. */
    List<Statement> body(List<StatementElement> elements, Scope scope) {
        List<Statement> out = new ArrayList<>(elements.size());
        for (StatementElement e : elements) {
            Statement s = steps.find(e).compile(e, scope);
            if (s != null) {
                out.add(s);
            }
        }
        return out;
    }
}
