package io.surrogate.engine.compile;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The variables and regex captures visible at a point of a rule file: those extracted by
 * earlier siblings here and in every enclosing body, and the named groups of enclosing regex
 * matches. A body gets a child scope; what it defines is gone after it.
 */
final class Scope {
    private final Scope parent;
    private final Set<String> variables = new LinkedHashSet<>();
    private final Set<String> captures = new LinkedHashSet<>();

    Scope(Scope parent) {
        this.parent = parent;
    }

    Scope child() {
        return new Scope(this);
    }

    void define(String variable) {
        variables.add(variable);
    }

    void defineCapture(String group) {
        captures.add(group);
    }

    boolean hasVariable(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            if (s.variables.contains(name)) {
                return true;
            }
        }
        return false;
    }

    boolean hasCapture(String name) {
        for (Scope s = this; s != null; s = s.parent) {
            if (s.captures.contains(name)) {
                return true;
            }
        }
        return false;
    }

    Set<String> variables() {
        Set<String> all = new TreeSet<>();
        for (Scope s = this; s != null; s = s.parent) {
            all.addAll(s.variables);
        }
        return all;
    }

    List<String> captures() {
        List<String> all = new ArrayList<>();
        for (Scope s = this; s != null; s = s.parent) {
            all.addAll(s.captures);
        }
        return all;
    }
}
