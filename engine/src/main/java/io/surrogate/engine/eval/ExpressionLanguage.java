package io.surrogate.engine.eval;

import com.google.common.cache.CacheBuilder;
import com.google.common.cache.CacheLoader;
import com.google.common.cache.LoadingCache;
import com.google.common.util.concurrent.UncheckedExecutionException;
import io.surrogate.engine.text.RegexShape;
import io.surrogate.engine.match.ValuePattern;
import java.math.MathContext;
import java.util.ArrayDeque;
import java.util.Deque;
import org.apache.commons.jexl3.JexlArithmetic;
import org.apache.commons.jexl3.JexlBuilder;
import org.apache.commons.jexl3.JexlEngine;
import org.apache.commons.jexl3.JexlException;
import org.apache.commons.jexl3.JexlExpression;
import org.apache.commons.jexl3.JexlFeatures;
import org.apache.commons.jexl3.JexlInfo;
import org.apache.commons.jexl3.internal.Engine;
import org.apache.commons.jexl3.internal.Scope;
import org.apache.commons.jexl3.introspection.JexlPermissions;
import org.apache.commons.jexl3.introspection.JexlSandbox;
import org.apache.commons.jexl3.parser.ASTArrayAccess;
import org.apache.commons.jexl3.parser.ASTERNode;
import org.apache.commons.jexl3.parser.ASTFunctionNode;
import org.apache.commons.jexl3.parser.ASTIdentifier;
import org.apache.commons.jexl3.parser.ASTIdentifierAccess;
import org.apache.commons.jexl3.parser.ASTJexlScript;
import org.apache.commons.jexl3.parser.ASTMethodNode;
import org.apache.commons.jexl3.parser.ASTNRNode;
import org.apache.commons.jexl3.parser.ASTStringLiteral;
import org.apache.commons.jexl3.parser.JexlNode;

/**
 * The locked-down JEXL of {@code match:expression} and {@code from="expression"}: operators on
 * strings, numbers and booleans only. No method calls, no {@code new}, no loops, no lambdas,
 * no assignments, no pragmas, no scripts, no local variables, no class access (every class
 * denied by the sandbox and the permissions), strict, not silent: a forbidden construct is a
 * compile error at its location, never a quiet {@code null}.
 *
 * <p>Function calls ({@code foo(U)}, {@code rt:getRuntime()}) and property or index access
 * have no feature switch: every parsed tree is walked and one of them is refused with
 * {@link Forbidden} (a strict engine would otherwise fail only at run time, and a match would
 * quietly read false). {@code size(x)} and {@code empty(x)} are operators, not functions. A
 * literal regex after {@code =~} or {@code !~} that RE2/J cannot run is refused there too
 * ({@link BadRegex}).
 */
public final class ExpressionLanguage {
    /** Longer expressions are refused: an expression is a condition, not a program. */
    public static final int MAX_LENGTH = 1024;
    /**
     * Expressions nested deeper than this (parentheses, or the parsed tree) are refused: JEXL
     * parses and evaluates recursively, and 511 nested parentheses overflowed a 1 MB stack.
     */
    public static final int MAX_DEPTH = 64;

    private static final JexlFeatures FEATURES = new JexlFeatures()
            .methodCall(false)
            .newInstance(false)
            .loops(false)
            .lambda(false)
            .thinArrow(false)
            .fatArrow(false)
            .sideEffect(false)
            .sideEffectGlobal(false)
            .pragma(false)
            .pragmaAnywhere(false)
            .namespacePragma(false)
            .importPragma(false)
            .annotation(false)
            .script(false)
            .localVar(false)
            .structuredLiteral(false)
            .register(false);

    private static final JexlEngine ENGINE = new CheckedEngine(new JexlBuilder()
            .features(FEATURES)
            .arithmetic(new LinearArithmetic(true))
            .permissions(JexlPermissions.NONE)
            .sandbox(new JexlSandbox(false))
            .strict(true)
            .safe(false)
            .silent(false)
            .cache(0));

    /**
     * JEXL's arithmetic with {@code =~} and {@code !~} on RE2/J instead of java.util.regex
     * (which JEXL compiles anew at every evaluation, and which backtracks): linear time in the
     * value, values over {@link ValuePattern#MAX_VALUE_LENGTH} never match, a regex past
     * {@link RegexShape#MAX_SIZE} steps or one RE2/J refuses fails the expression (it yields
     * nothing). Compiled regexes are kept in a small bounded cache, since the regex may be a
     * variable.
     */
    static final class LinearArithmetic extends JexlArithmetic {
        private static final LoadingCache<String, com.google.re2j.Pattern> REGEXES = CacheBuilder.newBuilder()
                .maximumSize(256)
                .build(CacheLoader.from(LinearArithmetic::compile));

        LinearArithmetic(boolean strict) {
            super(strict);
        }

        private LinearArithmetic(boolean strict, MathContext context, int scale) {
            super(strict, context, scale);
        }

        @Override
        protected JexlArithmetic createWithOptions(boolean strict, MathContext context, int scale) {
            return new LinearArithmetic(strict, context, scale);
        }

        @Override
        public Boolean contains(Object container, Object value) {
            if (!(container instanceof CharSequence regex) || value == null) {
                return super.contains(container, value);
            }
            String input = value.toString();
            if (input.length() > ValuePattern.MAX_VALUE_LENGTH) {
                return false;
            }
            try {
                return REGEXES.getUnchecked(regex.toString()).matcher(input).matches();
            } catch (UncheckedExecutionException e) {
                throw new ArithmeticException(e.getCause() == null ? "invalid regex" : e.getCause().getMessage());
            }
        }

        /** Whether a regex written in an expression compiles here (and is then cached). */
        static boolean accepts(String regex) {
            try {
                REGEXES.getUnchecked(regex);
                return true;
            } catch (UncheckedExecutionException e) {
                return false;
            }
        }

        private static com.google.re2j.Pattern compile(String regex) {
            RegexShape shape = RegexShape.of(regex);
            if (shape.unsupported() != null) {
                throw new IllegalArgumentException("regex '" + regex + "' uses '" + shape.unsupportedText() + "', which has no linear-time form");
            }
            if (shape.size() > RegexShape.MAX_SIZE) {
                throw new IllegalArgumentException("regex expands to about " + shape.size() + " steps; the limit is " + RegexShape.MAX_SIZE);
            }
            if (shape.depth() > RegexShape.MAX_DEPTH) {
                throw new IllegalArgumentException("regex nests groups " + shape.depth() + " deep; the limit is " + RegexShape.MAX_DEPTH);
            }
            return com.google.re2j.Pattern.compile(regex);
        }
    }

    /** A literal regex after {@code =~} or {@code !~} that the linear-time engine refuses; the compiler says why. */
    public static final class BadRegex extends JexlException {
        private final String regex;

        BadRegex(JexlNode node, String regex) {
            super(node, "invalid regex '" + regex + "'");
            this.regex = regex;
        }

        public String regex() {
            return regex;
        }
    }

    /** An expression nested deeper than {@link #MAX_DEPTH}. */
    public static final class TooDeep extends RuntimeException {
        TooDeep(String message) {
            super(message, null, false, false);
        }
    }

    /** A construct the expression language refuses, found in the parsed tree. */
    public static final class Forbidden extends JexlException {
        private final String construct;

        Forbidden(JexlNode node, String construct) {
            super(node, construct);
            this.construct = construct;
        }

        /** What was refused, e.g. "a call of the function 'rt:getRuntime'". */
        public String construct() {
            return construct;
        }
    }

    /** JEXL's engine with every parsed tree checked for what the features cannot switch off. */
    private static final class CheckedEngine extends Engine {
        CheckedEngine(JexlBuilder builder) {
            super(builder);
        }

        @Override
        protected ASTJexlScript parse(JexlInfo info, JexlFeatures features, String source, Scope scope) {
            int parentheses = parenthesisDepth(source);
            if (parentheses > MAX_DEPTH) {
                throw new TooDeep("parentheses nest " + parentheses + " deep; the limit is " + MAX_DEPTH);
            }
            ASTJexlScript script;
            try {
                script = super.parse(info, features, source, scope);
            } catch (StackOverflowError e) {
                throw new TooDeep("the expression nests too deep to parse; the limit is " + MAX_DEPTH);
            }
            Deque<JexlNode> pending = new ArrayDeque<>();
            Deque<Integer> depths = new ArrayDeque<>();
            pending.push(script);
            depths.push(1);
            while (!pending.isEmpty()) {
                JexlNode node = pending.pop();
                int depth = depths.pop();
                if (depth > MAX_DEPTH) {
                    throw new TooDeep("the expression nests more than " + MAX_DEPTH + " deep");
                }
                String refused = refused(node);
                if (refused != null) {
                    throw new Forbidden(node, refused);
                }
                if ((node instanceof ASTERNode || node instanceof ASTNRNode) && node.jjtGetNumChildren() == 2
                        && node.jjtGetChild(1) instanceof ASTStringLiteral literal && !LinearArithmetic.accepts(literal.getLiteral())) {
                    throw new BadRegex(node, literal.getLiteral());
                }
                for (int i = node.jjtGetNumChildren() - 1; i >= 0; i--) {
                    pending.push(node.jjtGetChild(i));
                    depths.push(depth + 1);
                }
            }
            return script;
        }

        /** The deepest nesting of parentheses outside string literals. */
        private static int parenthesisDepth(String source) {
            int depth = 0;
            int max = 0;
            char quote = 0;
            for (int i = 0; i < source.length(); i++) {
                char c = source.charAt(i);
                if (quote != 0) {
                    if (c == '\\') {
                        i++;
                    } else if (c == quote) {
                        quote = 0;
                    }
                } else if (c == '\'' || c == '"' || c == '`') {
                    quote = c;
                } else if (c == '(') {
                    max = Math.max(max, ++depth);
                } else if (c == ')') {
                    depth--;
                }
            }
            return max;
        }

        private static String refused(JexlNode node) {
            if (node instanceof ASTFunctionNode) {
                JexlNode name = node.jjtGetNumChildren() > 0 ? node.jjtGetChild(0) : null;
                String function = name instanceof ASTIdentifier id
                        ? (id.getNamespace() == null ? "" : id.getNamespace() + ":") + id.getName() : "?";
                return "a call of the function '" + function + "'";
            }
            if (node instanceof ASTMethodNode) {
                return "a method call";
            }
            if (node instanceof ASTIdentifierAccess access) {
                return "property access '." + access.getName() + "'";
            }
            if (node instanceof ASTArrayAccess) {
                return "index access '[...]'";
            }
            return null;
        }
    }

    /** Words that start a statement, which an expression cannot hold (outside string literals). */
    private static final java.util.regex.Pattern STATEMENT_KEYWORD =
            java.util.regex.Pattern.compile("\\b(for|while|do|function|var|let|const|return|break|continue|import|pragma)\\b");
    private static final java.util.regex.Pattern STRING_LITERAL =
            java.util.regex.Pattern.compile("'(?:[^'\\\\]|\\\\.)*'|\"(?:[^\"\\\\]|\\\\.)*\"|`(?:[^`\\\\]|\\\\.)*`");

    private ExpressionLanguage() {}

    /**
     * Whether a text that did not parse as an expression tries a statement (a loop, a function,
     * a declaration): JEXL's expression grammar has no such thing, so it fails as a syntax error,
     * but for the operator it is a forbidden construct, not a typo.
     */
    public static boolean usesStatementKeyword(String source) {
        return STATEMENT_KEYWORD.matcher(STRING_LITERAL.matcher(source).replaceAll("''")).find();
    }

    /**
     * A property or index access anywhere in the expression ({@code 'abc'.class},
     * {@code (USER).length}, {@code USER['x']}), which JEXL's features cannot switch off: the
     * text of the first one, or null. Outside string literals a {@code .} may only stand in a
     * number and a {@code [} nowhere, since array literals are off too.
     */
    public static String forbiddenAccess(String source) {
        char quote = 0;
        for (int i = 0; i < source.length(); i++) {
            char c = source.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"' || c == '`') {
                quote = c;
            } else if (c == '[') {
                return source.substring(i, Math.min(source.length(), i + 12));
            } else if (c == '.') {
                boolean digitAfter = i + 1 < source.length() && Character.isDigit(source.charAt(i + 1));
                int before = i - 1;
                while (before >= 0 && Character.isDigit(source.charAt(before))) {
                    before--;
                }
                boolean numberBefore = before < 0 || !(Character.isLetter(source.charAt(before)) || source.charAt(before) == '_'
                        || source.charAt(before) == ')' || source.charAt(before) == '\'' || source.charAt(before) == '"'
                        || source.charAt(before) == '.' || source.charAt(before) == '?');
                if (!(digitAfter && numberBefore)) {
                    int start = Math.max(0, i - 8);
                    return source.substring(start, Math.min(source.length(), i + 8));
                }
            }
        }
        return null;
    }

    /** Parses an expression; throws {@link org.apache.commons.jexl3.JexlException} when it is invalid or forbidden. */
    public static JexlExpression parse(String source) {
        return ENGINE.createExpression(source);
    }
}
