package io.surrogate.server.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import io.surrogate.engine.token.KeyPurpose;
import io.surrogate.engine.token.Keyring;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.TinkKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link RelayMac}: what one edge makes another verifies; any other position, signature, key or flipped digit does not. */
class RelayMacTest {
    private static final String SIGNATURE = "t=1764690000;n=0123456789abcdef0123456789abcdef;v1=" + "ab".repeat(32);

    @TempDir
    Path tmp;

    @Test
    void verifiesOnlyWhatAnEdgeWithTheSameKeyMade() throws Exception {
        Path keys = Files.createDirectory(tmp.resolve("keys"));
        Keyring.write(keys, "origin", TinkKeys.generate(KeyPurpose.HMAC));
        Keyring.write(keys, "other", TinkKeys.generate(KeyPurpose.HMAC));
        NamedKey key = Keyring.open(keys).find("origin").orElseThrow();
        NamedKey other = Keyring.open(keys).find("other").orElseThrow();

        String header = RelayMac.header(key, 42, SIGNATURE);
        assertThat(header).startsWith("42;");
        assertThat(RelayMac.verify(header, key, SIGNATURE)).isEqualTo(42);
        assertThat(RelayMac.verify(RelayMac.header(key, 0, SIGNATURE), key, SIGNATURE)).isZero();

        assertThat(RelayMac.verify(header.replaceFirst("^42;", "43;"), key, SIGNATURE)).as("another position").isEqualTo(-1);
        assertThat(RelayMac.verify(header, key, SIGNATURE.replace("n=0", "n=1"))).as("another delivery").isEqualTo(-1);
        assertThat(RelayMac.verify(header, other, SIGNATURE)).as("another key").isEqualTo(-1);
        for (int i = 3; i < header.length(); i++) {
            char c = header.charAt(i);
            String flipped = header.substring(0, i) + (c == '0' ? '1' : '0') + header.substring(i + 1);
            assertThat(RelayMac.verify(flipped, key, SIGNATURE)).as("digit %d flipped", i).isEqualTo(-1);
        }
        for (String malformed : new String[] {"", ";", "42", "-1;" + header.substring(3), "x;" + header.substring(3),
                "99999999999999999999;" + header.substring(3), header + "0"}) {
            assertThat(RelayMac.verify(malformed, key, SIGNATURE)).as("'%s'", malformed).isEqualTo(-1);
        }
        assertThat(RelayMac.verify(null, key, SIGNATURE)).isEqualTo(-1);
    }
}
