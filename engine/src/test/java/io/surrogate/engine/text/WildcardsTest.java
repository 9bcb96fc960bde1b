package io.surrogate.engine.text;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class WildcardsTest {
    @Test
    void starsAndQuestionMarksMatchTheWholeValue() {
        assertThat(Wildcards.compile("*.foo.com", false).matches("mail.foo.com")).isTrue();
        assertThat(Wildcards.compile("*.foo.com", false).matches("foo.com")).isFalse();
        assertThat(Wildcards.compile("LX-*", false).matches("LX-")).isTrue();
        assertThat(Wildcards.compile("LX-?", false).matches("LX-")).isFalse();
        assertThat(Wildcards.compile("a*b*c", false).matches("abXbYc")).isTrue();
        assertThat(Wildcards.compile("a*b*c", false).matches("abXbYcd")).isFalse();
        assertThat(Wildcards.compile("", false).matches("")).isTrue();
        assertThat(Wildcards.compile("*", false).matches("line\nbreak")).isTrue();
        assertThat(Wildcards.compile("*text/event-stream*", true).matches("Text/Event-Stream; q=1")).isTrue();
        assertThat(Wildcards.compile("*text/event-stream*", false).matches("Text/Event-Stream")).isFalse();
    }

    @Test
    void aQuestionMarkTakesACodePointNotHalfOfIt() {
        assertThat(Wildcards.compile("a?b", false).matches("a\uD83D\uDE00b")).isTrue();
        assertThat(Wildcards.compile("a??b", false).matches("a\uD83D\uDE00b")).isFalse();
        assertThat(Wildcards.compile("*?", false).matches("\uD83D\uDE00")).isTrue();
    }

    /** Against java.util.regex's reading of the same wildcard, on many small random cases. */
    @Test
    void agreesWithTheRegexTranslationOnRandomCases() {
        Random random = new Random(12);
        for (int n = 0; n < 20_000; n++) {
            String pattern = random(random, "ab*?", random.nextInt(7));
            String value = random(random, "ab", random.nextInt(9));
            boolean ignoreCase = random.nextBoolean();
            String regex = pattern.replace("?", ".").replace("*", ".*");
            boolean expected = Pattern.compile(regex, ignoreCase ? Pattern.CASE_INSENSITIVE : 0).matcher(value).matches();
            assertThat(Wildcards.compile(pattern, ignoreCase).matches(value)).as("'%s' on '%s'", pattern, value).isEqualTo(expected);
        }
    }

    /** The User-Agent of issue 12 held a backtracking matcher 18 s; the time bound is only a guard against a hang. */
    @Test
    void theBacktrackingTrapOfTheIssueIsAnsweredAtOnce() {
        String userAgent = "MozillaChrome".repeat(1000);
        Wildcards.Glob glob = Wildcards.compile("*Mozilla*Chrome*Mobile*", false);
        boolean[] results = new boolean[2];
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            results[0] = glob.matches(userAgent);
            results[1] = glob.matches(userAgent + "Mobile");
        });
        assertThat(results[0]).isFalse();
        assertThat(results[1]).isTrue();
    }

    private static String random(Random random, String alphabet, int length) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < length; i++) {
            out.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return out.toString();
    }
}
