package io.surrogate.rules.model;

/** The namespaces of the rule language: part of its public contract. */
public final class Namespaces {
    public static final String RULES = "urn:surrogate:rules:1";
    public static final String MATCH = "urn:surrogate:match:1";
    public static final String VARIABLE = "urn:surrogate:variable:1";
    public static final String EDGESERVICES = "urn:surrogate:edgeservices:1";

    private Namespaces() {}

    /** The prefix used for a namespace in canonical output and in messages. */
    public static String prefixOf(String namespace) {
        return switch (namespace) {
            case MATCH -> "match";
            case VARIABLE -> "variable";
            case EDGESERVICES -> "edgeservices";
            default -> "";
        };
    }
}
