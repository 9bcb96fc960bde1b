package io.surrogate.rules.model;

/** Names text elements after binding (JAXB does not tell a value class its element name). */
final class TextElements {
    private TextElements() {}

    static TextElement named(TextElement element, String name) {
        if (element != null) {
            element.name(name);
        }
        return element;
    }
}
