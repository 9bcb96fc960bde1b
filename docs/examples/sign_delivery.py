#!/usr/bin/env python3
"""Signs a POST /deliver-event for a Surrogate edge; standard library only. Copy it freely.

The secret is the base64 text printed by 'surrogate keys export NAME'. Give it in the
environment variable SURROGATE_ORIGIN_SECRET or in a file (--secret-file), never on the
command line, where other users of the machine can read it.

Print the headers of a unicast delivery:

    SURROGATE_ORIGIN_SECRET=... python3 sign_delivery.py \
        --event-id 2 --user B --token 'v1.mail-token.AQ...' --body "You've Got Mail!"

Send a fan-out delivery (no user, no token) to an edge's origin listener:

    python3 sign_delivery.py --secret-file origin.secret --event-id quote:BSC \
        --body '{"symbol":"BSC","price":"78.34"}' --content-type application/json \
        http://127.0.0.1:9090

--event-id and --user take the values exactly as the edge sent them in X-Event-Id and
X-Event-User. With --escape they are escaped here first, as the edge escapes them.
--timestamp and --nonce exist to reproduce the test vectors of docs/protocol.md; leave them
out otherwise.
"""

import argparse
import base64
import hashlib
import hmac
import os
import secrets
import sys
import time
import urllib.error
import urllib.request

DELIVER_PATH = "/deliver-event"


def escape_header_value(value):
    """Every UTF-8 byte outside 0x20..0x7E, '%', and a space at either end become %XX."""
    data = value.encode("utf-8")
    return "".join(chr(b) if 0x20 <= b <= 0x7E and b != 0x25 and not (b == 0x20 and i in (0, len(data) - 1))
                   else "%{:02X}".format(b) for i, b in enumerate(data))


def signature_header(secret, path, event_id, user, token, body, timestamp, nonce):
    """The X-Event-Signature value: t=TIMESTAMP;n=NONCE;v1=HEX."""
    canonical = "\n".join([
        "surrogate-v1",
        "POST",
        path,
        event_id,
        user,
        token,
        str(timestamp),
        nonce,
        hashlib.sha256(body).hexdigest(),
    ])
    mac = hmac.new(secret, canonical.encode("utf-8"), hashlib.sha256).hexdigest()
    return "t={};n={};v1={}".format(timestamp, nonce, mac)


def read_secret(args):
    if args.secret_file:
        with open(args.secret_file, encoding="ascii") as f:
            text = f.read().strip()
    else:
        text = os.environ.get("SURROGATE_ORIGIN_SECRET", "").strip()
    if not text:
        sys.exit("sign_delivery.py: no secret: set SURROGATE_ORIGIN_SECRET or pass --secret-file")
    try:
        return base64.b64decode(text, validate=True)
    except ValueError:
        sys.exit("sign_delivery.py: the secret is not base64 (it is what 'surrogate keys export' prints)")


def main():
    p = argparse.ArgumentParser(description="Sign, and optionally send, a Surrogate /deliver-event.")
    p.add_argument("--secret-file", help="file holding the base64 secret (else $SURROGATE_ORIGIN_SECRET)")
    p.add_argument("--event-id", required=True, help="X-Event-Id, as the edge sent it")
    p.add_argument("--user", default="", help="X-Event-User, as the edge sent it; empty for a fan-out")
    p.add_argument("--token", default="", help="X-Event-Token, as the edge sent it; empty for a fan-out")
    body = p.add_mutually_exclusive_group(required=True)
    body.add_argument("--body", help="the event data, as text (sent as UTF-8)")
    body.add_argument("--body-file", help="the event data, read from a file as bytes")
    p.add_argument("--content-type", default="text/plain; charset=utf-8", help="Content-Type of the event data")
    p.add_argument("--escape", action="store_true", help="escape --event-id and --user as the edge does")
    p.add_argument("--timestamp", type=int, help="seconds since the epoch (default: now)")
    p.add_argument("--nonce", help="8 to 64 characters of A-Z a-z 0-9 _ - (default: 32 random hex digits)")
    p.add_argument("url", nargs="?", help="the edge's origin listener, such as http://127.0.0.1:9090; when given, POST the delivery there")
    args = p.parse_args()

    secret = read_secret(args)
    event_id, user = args.event_id, args.user
    if args.escape:
        event_id, user = escape_header_value(event_id), escape_header_value(user)
    for name, value in (("--event-id", event_id), ("--user", user)):
        if any(not 0x20 <= ord(c) <= 0x7E for c in value):
            sys.exit("sign_delivery.py: {} holds characters the edge never sends as is; pass --escape".format(name))
    if args.body_file:
        with open(args.body_file, "rb") as f:
            data = f.read()
    else:
        data = args.body.encode("utf-8")
    timestamp = args.timestamp if args.timestamp is not None else int(time.time())
    nonce = args.nonce or secrets.token_hex(16)

    headers = {
        "X-Event-Id": event_id,
        "X-Event-User": user,
        "X-Event-Token": args.token,
        "X-Event-Signature": signature_header(secret, DELIVER_PATH, event_id, user, args.token, data, timestamp, nonce),
        "Content-Type": args.content_type,
    }
    for name, value in headers.items():
        print("{}: {}".format(name, value))
    if not args.url:
        return 0

    request = urllib.request.Request(args.url.rstrip("/") + DELIVER_PATH, data=data, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, answer, edge = response.status, response.read(), response.headers.get("X-Event-Edge")
    except urllib.error.HTTPError as e:
        status, answer, edge = e.code, e.read(), e.headers.get("X-Event-Edge")
    except (urllib.error.URLError, OSError) as e:
        print("sign_delivery.py: no answer from {}: {}".format(args.url, e), file=sys.stderr)
        return 1
    print()
    print(status)
    print(answer.decode("utf-8", "replace").rstrip("\n"))
    if edge:
        print("X-Event-Edge: {}".format(edge))
    return 0 if 200 <= status < 300 else 1


if __name__ == "__main__":
    sys.exit(main())
