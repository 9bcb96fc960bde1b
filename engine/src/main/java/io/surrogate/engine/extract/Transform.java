package io.surrogate.engine.extract;

/** One step of a variable's {@code transform} list. Pure: the same input gives the same output. */
public interface Transform {
    String apply(String value);

    /** The step as written in canonical form: {@code lower}, {@code clamp:64}, {@code hmac:name}. */
    String spelling();
}
