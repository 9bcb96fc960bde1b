#!/usr/bin/env python3
"""Recomputes every X-Event-Signature in docs/protocol-vectors.json.

Standard library only. This file writes the canonical string and the header escaping out by
hand, from docs/protocol.md, so it checks the documented algorithm rather than repeating the
edge's code.

    python3 docs/examples/check_vectors.py [VECTORS_JSON]

Prints one line per vector ("ok NAME" or "FAIL NAME: ...") and exits with 1 when any vector
does not match, 0 when all do.
"""

import base64
import hashlib
import hmac
import json
import os
import sys


def escape_header_value(value):
    """X-Event-Id and X-Event-User as the edge sends them: every UTF-8 byte outside
    0x20..0x7E, '%' itself, and a space at either end become %XX (upper-case hex); every
    other byte is kept."""
    out = []
    data = value.encode("utf-8")
    for i, byte in enumerate(data):
        end_space = byte == 0x20 and (i == 0 or i == len(data) - 1)
        if 0x20 <= byte <= 0x7E and byte != 0x25 and not end_space:
            out.append(chr(byte))
        else:
            out.append("%{:02X}".format(byte))
    return "".join(out)


def canonical_string(method, path, event_id, user, token, timestamp, nonce, body):
    """Nine lines joined by LF, without a final LF."""
    lines = [
        "surrogate-v1",
        method,
        path,
        event_id,
        user,
        token,
        str(timestamp),
        nonce,
        hashlib.sha256(body).hexdigest(),
    ]
    return "\n".join(lines)


def canonical_string_v2(method, path, event_id, user, token, timestamp, nonce, body, forwarded_list, forwarded):
    """Version 2 (a subscribe with forwarded headers): 'surrogate-v2', lines 2 to 9 of version 1,
    the X-Event-Forwarded value, then one 'name:value' line per name it lists, in its order."""
    lines = ["surrogate-v2", method, path, event_id, user, token, str(timestamp), nonce,
             hashlib.sha256(body).hexdigest(), forwarded_list]
    names = forwarded_list.split(",") if forwarded_list else []
    if names != [f["name"].lower() for f in forwarded]:
        raise ValueError("X-Event-Forwarded does not list the forwarded headers in order")
    lines += ["{}:{}".format(f["name"].lower(), f["value"]) for f in forwarded]
    return "\n".join(lines)


def sign(secret, canonical):
    return hmac.new(secret, canonical.encode("utf-8"), hashlib.sha256).hexdigest()


def check(vector, secret):
    """The list of differences between the vector and the recomputation; empty when it matches."""
    problems = []
    body = vector["body"].encode("utf-8")

    def expect(what, computed, recorded):
        if not hmac.compare_digest(computed.encode("utf-8"), recorded.encode("utf-8")):
            problems.append("{}: computed {!r}, file has {!r}".format(what, computed, recorded))

    expect("X-Event-Id", escape_header_value(vector["eventIdBeforeEscaping"]), vector["eventId"])
    expect("X-Event-User", escape_header_value(vector["userBeforeEscaping"]), vector["user"])
    expect("body SHA-256", hashlib.sha256(body).hexdigest(), vector["bodySha256"])
    version = vector.get("version", 1)
    if version == 2:
        canonical = canonical_string_v2(vector["method"], vector["path"], vector["eventId"], vector["user"],
                                        vector["token"], vector["timestamp"], vector["nonce"], body,
                                        vector["forwardedList"], vector["forwarded"])
    else:
        canonical = canonical_string(vector["method"], vector["path"], vector["eventId"], vector["user"],
                                     vector["token"], vector["timestamp"], vector["nonce"], body)
    expect("canonical string", canonical, vector["canonical"])
    expect("canonical SHA-256", hashlib.sha256(canonical.encode("utf-8")).hexdigest(), vector["canonicalSha256"])
    signature = sign(secret, canonical)
    expect("v{}".format(version), signature, vector["signature"])
    header = "t={};n={};v{}={}".format(vector["timestamp"], vector["nonce"], version, signature)
    expect("X-Event-Signature", header, vector["header"])
    return problems


def main(argv):
    if len(argv) > 2:
        print("usage: check_vectors.py [VECTORS_JSON]", file=sys.stderr)
        return 2
    here = os.path.dirname(os.path.abspath(__file__))
    path = argv[1] if len(argv) == 2 else os.path.join(here, "..", "protocol-vectors.json")
    with open(path, encoding="utf-8") as f:
        document = json.load(f)

    secret = base64.b64decode(document["testSecret"]["base64"], validate=True)
    failures = 0
    if secret.hex() != document["testSecret"]["hex"]:
        print("FAIL testSecret: base64 and hex differ")
        failures += 1
    if len(secret) != 32:
        print("FAIL testSecret: {} bytes, expected 32".format(len(secret)))
        failures += 1

    for vector in document["vectors"]:
        problems = check(vector, secret)
        if problems:
            failures += 1
            print("FAIL {}: {}".format(vector["name"], "; ".join(problems)))
        else:
            print("ok   {}  X-Event-Signature: {}".format(vector["name"], vector["header"]))

    print("{} vectors, {} failed".format(len(document["vectors"]), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
