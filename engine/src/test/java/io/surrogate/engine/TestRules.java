package io.surrogate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.token.KeySource;
import io.surrogate.engine.token.ThrowawayKeys;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.InstantSource;

/** What the engine tests share: a fixed clock, a fixed edge, and compiling from memory. */
public final class TestRules {
    public static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");
    public static final EdgeEnvironment ENV = new EdgeEnvironment("edge-1", "127.0.0.1:8080", InstantSource.fixed(NOW));

    private TestRules() {}

    public static CompileResult compile(String name, String xml) {
        return compile(name, xml, new ThrowawayKeys());
    }

    public static CompileResult compile(String name, String xml, KeySource keys) {
        return new RuleCompiler(keys).compile(name, xml.getBytes(StandardCharsets.UTF_8));
    }

    /** Compiles and insists on success, showing the diagnostics otherwise. */
    public static RuleSet ruleSet(String name, byte[] xml) {
        CompileResult result = new RuleCompiler(new ThrowawayKeys()).compile(name, xml);
        assertThat(result.hasErrors()).as(result.render()).isFalse();
        return ((CompileResult.Success) result).ruleSet();
    }

    public static RuleSet ruleSet(String xml) {
        return ruleSet("rules.xml", xml.getBytes(StandardCharsets.UTF_8));
    }

    /** A rule file around the given body, with the four namespaces declared. */
    public static String rules(String body) {
        return "<rules xmlns=\"urn:surrogate:rules:1\"\n"
                + "       xmlns:match=\"urn:surrogate:match:1\"\n"
                + "       xmlns:variable=\"urn:surrogate:variable:1\"\n"
                + "       xmlns:edgeservices=\"urn:surrogate:edgeservices:1\">\n"
                + body
                + "</rules>\n";
    }
}
