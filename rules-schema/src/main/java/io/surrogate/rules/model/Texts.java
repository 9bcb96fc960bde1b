package io.surrogate.rules.model;

import java.util.List;

/** The text of a mixed-content element (child elements are schema errors, reported elsewhere). */
final class Texts {
    private Texts() {}

    static String of(List<Object> content) {
        if (content == null || content.isEmpty()) {
            return "";
        }
        if (content.size() == 1 && content.get(0) instanceof String s) {
            return s;
        }
        StringBuilder out = new StringBuilder();
        for (Object o : content) {
            if (o instanceof String s) {
                out.append(s);
            }
        }
        return out.toString();
    }
}
