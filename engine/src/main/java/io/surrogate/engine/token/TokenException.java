package io.surrogate.engine.token;

/** Why a token was refused. The message never holds key material or the token's plaintext. */
public final class TokenException extends Exception {
    private static final long serialVersionUID = 1L;

    public enum Reason {
        /** not of the form v1.KEY.DATA, or too long */
        MALFORMED,
        /** names a key this edge does not have */
        UNKNOWN_KEY,
        /** does not decrypt: forged or tampered */
        BAD_AUTHENTICATION,
        /** past its expiry */
        EXPIRED,
        /** issued in the future, beyond the allowed clock skew */
        NOT_YET_VALID,
        /** minted by another edge */
        FOREIGN_EDGE
    }

    private final Reason reason;

    public TokenException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
