package io.surrogate.engine.eval;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonToken;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonReader;
import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.request.FormCodec;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The state of one evaluation: the request (with its cookies, query, form and path parsed on
 * first use), the variables by slot, regex captures, the decision being built, and, in dry
 * runs, the trace. One per request, on one thread.
 */
public final class EvaluationContext {
    private static final Gson STRICT_JSON = new GsonBuilder().setStrictness(Strictness.STRICT).create();

    private final EdgeRequest request;
    private final EdgeEnvironment environment;
    private final String[] variables;
    private final Trace trace;
    private final DecisionBuilder decision = new DecisionBuilder();

    private List<String> captures;
    private String[] segments;
    private String cookieHeader;
    private boolean bodyParsed;
    private String form;
    private JsonObject json;
    private String bodyProblem;

    public EvaluationContext(EdgeRequest request, EdgeEnvironment environment, int variableCount, Trace trace) {
        this.request = request;
        this.environment = environment;
        this.variables = new String[variableCount];
        this.trace = trace;
    }

    public EdgeRequest request() {
        return request;
    }

    public EdgeEnvironment environment() {
        return environment;
    }

    public DecisionBuilder decision() {
        return decision;
    }

    // ---- variables -------------------------------------------------------------------

    /** A variable's value, "" when unset. */
    public String variable(int slot) {
        String v = variables[slot];
        return v == null ? "" : v;
    }

    public boolean isSet(int slot) {
        return variables[slot] != null;
    }

    public void setVariable(int slot, String value) {
        variables[slot] = value;
    }

    /** The slots themselves, for the evaluation result; not to be written by callers. */
    public String[] variablesView() {
        return variables;
    }

    // ---- regex captures ----------------------------------------------------------------

    public void capture(String name, String value) {
        if (captures == null) {
            captures = new ArrayList<>(4);
        }
        captures.add(name);
        captures.add(value);
    }

    /** A mark to return to with {@link #dropCapturesAfter}: captures belong to the match that made them. */
    public int captureMark() {
        return captures == null ? 0 : captures.size();
    }

    /** Forgets the captures made since the mark: a match that failed, or whose body has ended. */
    public void dropCapturesAfter(int mark) {
        if (captures != null && captures.size() > mark) {
            captures.subList(mark, captures.size()).clear();
        }
    }

    /** The latest capture of that name, or null. */
    public String captured(String name) {
        if (captures == null) {
            return null;
        }
        for (int i = captures.size() - 2; i >= 0; i -= 2) {
            if (captures.get(i).equals(name)) {
                return captures.get(i + 1);
            }
        }
        return null;
    }

    // ---- request parts, parsed on first use --------------------------------------------

    /** The path's non-empty segments, percent-decoded. */
    public String[] segments() {
        if (segments == null) {
            segments = PathSegments.split(request.path());
        }
        return segments;
    }

    public String cookie(String name) {
        if (cookieHeader == null) {
            List<String> all = request.headers().all("Cookie");
            cookieHeader = all.size() == 1 ? all.get(0) : String.join("; ", all);
        }
        return FormCodec.cookie(cookieHeader, name);
    }

    public String query(String name) {
        return FormCodec.field(request.rawQuery(), name);
    }

    /** A field of a form or JSON body ({@code a.b} reaches into JSON objects), or null. */
    public String postField(String name) {
        parseBody();
        if (form != null) {
            return FormCodec.field(form, name);
        }
        if (json != null) {
            JsonElement e = json;
            int start = 0;
            while (true) {
                if (!(e instanceof JsonObject o)) {
                    return null;
                }
                int dot = name.indexOf('.', start);
                e = o.get(dot < 0 ? name.substring(start) : name.substring(start, dot));
                if (dot < 0) {
                    break;
                }
                start = dot + 1;
            }
            if (e instanceof JsonPrimitive p) {
                return p.getAsString();
            }
        }
        return null;
    }

    /** Why the body gave no fields (not a form or JSON, malformed), for traces; null when fine. */
    public String bodyProblem() {
        parseBody();
        return bodyProblem;
    }

    private void parseBody() {
        if (bodyParsed) {
            return;
        }
        bodyParsed = true;
        String type = request.contentType().toLowerCase(java.util.Locale.ROOT);
        byte[] body = request.body();
        if (type.startsWith("application/x-www-form-urlencoded")) {
            form = new String(body, StandardCharsets.UTF_8);
        } else if (type.startsWith("application/json") || (type.startsWith("application/") && type.contains("+json"))) {
            try {
                // Strict: JsonParser.parseReader would switch the reader to lenient parsing.
                JsonReader reader = STRICT_JSON.newJsonReader(new StringReader(new String(body, StandardCharsets.UTF_8)));
                reader.setNestingLimit(32);
                JsonElement parsed = STRICT_JSON.fromJson(reader, JsonElement.class);
                if (parsed == null || reader.peek() != JsonToken.END_DOCUMENT) {
                    throw new JsonParseException("trailing data");
                }
                if (parsed.isJsonObject()) {
                    json = parsed.getAsJsonObject();
                } else {
                    bodyProblem = "JSON body is not an object";
                }
            } catch (java.io.IOException | RuntimeException e) {
                bodyProblem = "malformed JSON body";
            }
        } else if (body.length > 0) {
            bodyProblem = "body is " + (type.isEmpty() ? "of no declared type" : "'" + type + "'")
                    + ", not a form or JSON";
        }
    }

    // ---- tracing -------------------------------------------------------------------------

    public boolean tracing() {
        return trace != null;
    }

    public Trace trace() {
        return trace;
    }
}
