package io.surrogate.engine.text;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RegexShapeTest {
    @Test
    void findsWhatRe2LacksButNotInsideClassesOrEscapes() {
        assertThat(RegexShape.of("(a)\\1").unsupported()).isEqualTo(RegexShape.Unsupported.BACKREFERENCE);
        assertThat(RegexShape.of("(?<n>a)\\k<n>").unsupported()).isEqualTo(RegexShape.Unsupported.BACKREFERENCE);
        assertThat(RegexShape.of("a(?=b)").unsupported()).isEqualTo(RegexShape.Unsupported.LOOKAROUND);
        assertThat(RegexShape.of("(?<!a)b").unsupported()).isEqualTo(RegexShape.Unsupported.LOOKAROUND);
        assertThat(RegexShape.of("a{2}+").unsupported()).isEqualTo(RegexShape.Unsupported.POSSESSIVE);
        assertThat(RegexShape.of("(?>ab)").unsupported()).isEqualTo(RegexShape.Unsupported.ATOMIC_GROUP);
        assertThat(RegexShape.of("[(?=]\\(?!x\\\\").unsupported()).isNull();
        assertThat(RegexShape.of("(?<name>a)(?P<other>b)(?i:c)(?s)d").unsupported()).isNull();
        assertThat(RegexShape.of("\\Q(?=\\E").unsupported()).isNull();
    }

    @Test
    void countedRepetitionsMultiply() {
        assertThat(RegexShape.of("(a{100}){100}").size()).isBetween(10_000L, 10_300L);
        assertThat(RegexShape.of("((a{1000}){1000}){1000}").size()).isGreaterThan(RegexShape.MAX_SIZE);
        assertThat(RegexShape.of("/quotes/(?<symbol>[A-Z]{1,5})/subscribe").size()).isLessThan(1_000L);
    }

    @Test
    void findsARepetitionInARepetition() {
        assertThat(RegexShape.of("(.*a){8}").nestedRepetition()).isEqualTo("(.*a){8}");
        assertThat(RegexShape.of("x(a+)+").nestedRepetition()).isEqualTo("(a+)+");
        assertThat(RegexShape.of("(ab)*c+(d|e)?").nestedRepetition()).isNull();
        assertThat(RegexShape.of("^(desktop|android|ios)$").nestedRepetition()).isNull();
    }

    @Test
    void measuresHowDeepGroupsNest() {
        assertThat(RegexShape.of("a(b(c)d)(e)").depth()).isEqualTo(2);
        assertThat(RegexShape.of("\\((a)[(]").depth()).isEqualTo(1);
        assertThat(RegexShape.of("(".repeat(50_000) + "a" + ")".repeat(50_000)).depth()).isEqualTo(50_000);
    }
}
