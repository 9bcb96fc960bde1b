package io.surrogate.benchmarks;

import io.surrogate.engine.CompileResult;
import io.surrogate.engine.EdgeEnvironment;
import io.surrogate.engine.RuleCompiler;
import io.surrogate.engine.RuleSet;
import io.surrogate.engine.request.EdgeRequest;
import io.surrogate.engine.request.Headers;
import io.surrogate.engine.request.RawHttpRequest;
import io.surrogate.engine.token.KeySource;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.ThrowawayKeys;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Optional;
import java.util.Set;

/** What the benchmarks share: the edge, the seed request, compiling from bytes, a one-key source. */
final class Fixtures {
    static final EdgeEnvironment ENV = new EdgeEnvironment("edge-1", "127.0.0.1:8080",
            InstantSource.fixed(Instant.parse("2026-11-29T12:00:00Z")));

    /** Where the mail rule file is looked for when {@code -Dsurrogate.mailRules} is not given. */
    static final String DEFAULT_MAIL_RULES = "sample-rules/mail/mail.xml";

    /**
     * The seed document, used when the file is not found (the jar run from another directory):
     * a copy of {@code sample-rules/mail/mail.xml}.
     */
    static final String MAIL_XML = """
            <rules xmlns="urn:surrogate:rules:1"
                   xmlns:match="urn:surrogate:match:1"
                   xmlns:variable="urn:surrogate:variable:1"
                   xmlns:edgeservices="urn:surrogate:edgeservices:1">
              <match:uri.component value="subscribe-event">
                <variable:extract from="post" key="id" name="EVENT"/>
                <variable:extract from="cookie" key="user" name="USER"/>
                <edgeservices:event.handle-subscription>
                  <token>
                    <key>ywewu238347i3u</key>
                    <nonce-source>PORT</nonce-source>
                  </token>
                  <user>$(USER)</user>
                  <event-id>$(EVENT)</event-id>
                </edgeservices:event.handle-subscription>
              </match:uri.component>
            </rules>
            """;

    private Fixtures() {}

    static InetAddress loopback() {
        try {
            return InetAddress.getByName("127.0.0.1");
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The seed request: user B subscribes to event 2 of the mail service. */
    static EdgeRequest seedRequest() {
        return RawHttpRequest.build("POST", "/mail/subscribe-event", Headers.builder()
                        .add("Host", "mail.foo.com")
                        .add("Cookie", "user=B")
                        .add("Content-Type", "application/x-www-form-urlencoded").build(),
                "id=2".getBytes(StandardCharsets.UTF_8), loopback(), 62471);
    }

    /** The mail rules: from {@code path} when it exists, else the built-in copy of the seed document. */
    static byte[] mailRules(String path) throws java.io.IOException {
        Path p = Path.of(path);
        return Files.isRegularFile(p) ? Files.readAllBytes(p) : MAIL_XML.getBytes(StandardCharsets.UTF_8);
    }

    /** Compiles or fails loudly with the rendered diagnostics: a benchmark of a broken rule set measures nothing. */
    static RuleSet compile(String name, byte[] xml) {
        CompileResult result = new RuleCompiler(new ThrowawayKeys()).compile(name, xml);
        if (!(result instanceof CompileResult.Success success)) {
            throw new IllegalStateException("rules do not compile:\n" + result.render());
        }
        return success.ruleSet();
    }

    /** A key source holding one key, as a keyring would. */
    record SingleKey(NamedKey key) implements KeySource {
        @Override
        public Optional<NamedKey> find(String name) {
            return name.equals(key.name()) ? Optional.of(key) : Optional.empty();
        }

        @Override
        public Set<String> names() {
            return Set.of(key.name());
        }

        @Override
        public boolean throwaway() {
            return false;
        }
    }
}
