package io.surrogate.server.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * {@code surrogate_build_info{version, java}} = 1: which build runs where, for dashboards and
 * alerts that compare edges. The version is written into a resource at build time.
 */
public final class BuildInfo {
    private BuildInfo() {}

    /** This build's version, as Maven gave it; "unknown" when run from classes without the resource. */
    public static String version() {
        try (InputStream in = BuildInfo.class.getResourceAsStream("build.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown");
            return v.startsWith("${") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }

    static void bindTo(MeterRegistry registry) {
        Gauge.builder("surrogate.build.info", () -> 1)
                .description("The running build: its version and the Java runtime")
                .tag("version", version())
                .tag("java", System.getProperty("java.version", "unknown"))
                .register(registry);
    }
}
