package io.surrogate.rules.schema;

import io.surrogate.rules.model.SourcePosition;

/**
 * A problem found while reading a rule file, before compilation: not well-formed, refused,
 * or not valid against the schema. The engine maps each kind to a stable diagnostic code.
 */
public record SchemaProblem(Kind kind, SourcePosition position, String message, String help) {

    public enum Kind {
        /** cannot read the file */
        UNREADABLE,
        /** larger than the reader's bound */
        TOO_LARGE,
        /** not well-formed XML */
        MALFORMED,
        /** elements nested deeper than the reader's bound */
        TOO_DEEP,
        /** a DOCTYPE (and with it any entity) is refused */
        DOCTYPE,
        /** the root is not {@code <rules>} in {@code urn:surrogate:rules:1} */
        WRONG_ROOT,
        /** an element the language does not have */
        UNKNOWN_ELEMENT,
        /** a known element where it is not allowed */
        MISPLACED_ELEMENT,
        /** an attribute the element does not take */
        UNKNOWN_ATTRIBUTE,
        /** a required attribute or child element is missing */
        MISSING,
        /** a value outside its type (enumeration, pattern, number range) */
        INVALID_VALUE,
        /** text where only elements are allowed, or content in an empty element */
        INVALID_CONTENT
    }
}
