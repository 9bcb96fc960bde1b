package io.surrogate.cli.config;

/**
 * The catalog of configuration diagnostics. Codes are stable: tests, docs/operations.md and
 * operators' scripts key on them, never on the English. C1xx come from reading the file,
 * C2xx from checking its keys and values against serve's options.
 */
public enum ConfigCode {
    C101("config file unreadable"),
    C102("malformed TOML"),
    C103("duplicate key"),
    C201("unknown key"),
    C202("wrong type"),
    C203("invalid value"),
    C204("not allowed in a config file");

    private final String title;

    ConfigCode(String title) {
        this.title = title;
    }

    public String title() {
        return title;
    }
}
