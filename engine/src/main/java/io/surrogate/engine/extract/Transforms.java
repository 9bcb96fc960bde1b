package io.surrogate.engine.extract;

import com.google.common.hash.Hashing;
import com.google.common.io.BaseEncoding;
import io.surrogate.engine.token.NamedKey;
import io.surrogate.engine.token.OriginSignature;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.function.UnaryOperator;

/** The transforms a variable can go through, by name. */
public final class Transforms {
    /** The names without an argument. */
    public static final List<String> SIMPLE = List.of("lower", "upper", "trim", "url-encode", "url-decode",
            "base64-encode", "base64-decode", "hex-encode", "hex-decode", "sha256");
    /** The names that take an argument after a colon. */
    public static final List<String> WITH_ARGUMENT = List.of("clamp", "hmac");

    private Transforms() {}

    /** A transform without argument, or null for an unknown name. */
    public static Transform simple(String name) {
        UnaryOperator<String> f = switch (name) {
            case "lower" -> s -> s.toLowerCase(Locale.ROOT);
            case "upper" -> s -> s.toUpperCase(Locale.ROOT);
            case "trim" -> String::strip;
            case "url-encode" -> s -> URLEncoder.encode(s, StandardCharsets.UTF_8);
            case "url-decode" -> Transforms::urlDecode;
            case "base64-encode" -> s -> BaseEncoding.base64Url().omitPadding().encode(s.getBytes(StandardCharsets.UTF_8));
            case "base64-decode" -> Transforms::base64Decode;
            case "hex-encode" -> s -> BaseEncoding.base16().lowerCase().encode(s.getBytes(StandardCharsets.UTF_8));
            case "hex-decode" -> Transforms::hexDecode;
            case "sha256" -> s -> Hashing.sha256().hashString(s, StandardCharsets.UTF_8).toString();
            default -> null;
        };
        return f == null ? null : of(name, f);
    }

    /** Keeps at most {@code max} characters (never splitting a surrogate pair). */
    public static Transform clamp(int max) {
        return of("clamp:" + max, s -> {
            if (s.length() <= max) {
                return s;
            }
            int end = max;
            if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
                end--;
            }
            return s.substring(0, end);
        });
    }

    /** Lowercase hex HMAC-SHA256 of the value with an hmac key of the keyring. */
    public static Transform hmac(NamedKey key) {
        return of("hmac:" + key.name(), s -> OriginSignature.hmacHex(key, s));
    }

    private static String urlDecode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    private static String base64Decode(String s) {
        try {
            return new String(BaseEncoding.base64Url().omitPadding().decode(s.replace('+', '-').replace('/', '_').replace("=", "")),
                    StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static String hexDecode(String s) {
        try {
            return new String(BaseEncoding.base16().lowerCase().decode(s.toLowerCase(Locale.ROOT)), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return "";
        }
    }

    private static Transform of(String spelling, UnaryOperator<String> f) {
        return new Transform() {
            @Override
            public String apply(String value) {
                return f.apply(value);
            }

            @Override
            public String spelling() {
                return spelling;
            }

            @Override
            public String toString() {
                return spelling;
            }
        };
    }
}
