package io.surrogate.engine.request;

import java.util.ArrayList;
import java.util.List;

/** Request headers in arrival order; names compare ignoring case. Immutable. */
public final class Headers {
    public static final Headers EMPTY = new Headers(new String[0]);

    /** name, value, name, value... */
    private final String[] pairs;

    private Headers(String[] pairs) {
        this.pairs = pairs;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The first value of a header, or null. */
    public String first(String name) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equalsIgnoreCase(name)) {
                return pairs[i + 1];
            }
        }
        return null;
    }

    /** Every value of a header, in order. */
    public List<String> all(String name) {
        List<String> out = new ArrayList<>(1);
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equalsIgnoreCase(name)) {
                out.add(pairs[i + 1]);
            }
        }
        return out;
    }

    public int size() {
        return pairs.length / 2;
    }

    public String name(int i) {
        return pairs[2 * i];
    }

    public String value(int i) {
        return pairs[2 * i + 1];
    }

    public static final class Builder {
        private final List<String> pairs = new ArrayList<>();

        public Builder add(String name, String value) {
            pairs.add(name);
            pairs.add(value);
            return this;
        }

        public Headers build() {
            return pairs.isEmpty() ? EMPTY : new Headers(pairs.toArray(String[]::new));
        }
    }
}
