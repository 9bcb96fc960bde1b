package io.surrogate.cli.loadtest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The machine a run was measured on, for the report: CPU model, cores, memory, kernel, JVM. */
final class Machine {
    private Machine() {}

    static String describe() {
        String model = "unknown CPU";
        String mem = "";
        try {
            model = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse(model);
            mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
                    .map(l -> ", " + Long.parseLong(l.replaceAll("\\D", "")) / 1024 / 1024 + " GiB").findFirst().orElse("");
        } catch (IOException | NumberFormatException e) {
            // not Linux: leave it out
        }
        return model + ", " + Runtime.getRuntime().availableProcessors() + " cores" + mem + ", " + System.getProperty("os.name") + " "
                + System.getProperty("os.version") + ", Java " + System.getProperty("java.version");
    }
}
