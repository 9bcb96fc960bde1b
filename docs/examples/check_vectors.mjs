#!/usr/bin/env node
// Recomputes every X-Event-Signature in docs/protocol-vectors.json.
//
// Node's standard library only (node:crypto, node:fs). The canonical string and the header
// escaping are written out here by hand, from docs/protocol.md, so this checks the documented
// algorithm rather than repeating the edge's code.
//
//     node docs/examples/check_vectors.mjs [VECTORS_JSON]
//
// Prints one line per vector ("ok NAME" or "FAIL NAME: ...") and exits with 1 when any vector
// does not match, 0 when all do.

import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// X-Event-Id and X-Event-User as the edge sends them: every UTF-8 byte outside 0x20..0x7E,
// and '%' itself, becomes %XX (upper-case hex); every other byte is kept.
function escapeHeaderValue(value) {
  let out = '';
  const bytes = Buffer.from(value, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i];
    const endSpace = byte === 0x20 && (i === 0 || i === bytes.length - 1);
    if (byte >= 0x20 && byte <= 0x7e && byte !== 0x25 && !endSpace) {
      out += String.fromCharCode(byte);
    } else {
      out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

function sha256Hex(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

// Nine lines joined by LF, without a final LF.
function canonicalString(method, path, eventId, user, token, timestamp, nonce, body) {
  return [
    'surrogate-v1',
    method,
    path,
    eventId,
    user,
    token,
    String(timestamp),
    nonce,
    sha256Hex(body),
  ].join('\n');
}

// Version 2 (a subscribe with forwarded headers): 'surrogate-v2', lines 2 to 9 of version 1,
// the X-Event-Forwarded value, then one 'name:value' line per name it lists, in its order.
function canonicalStringV2(method, path, eventId, user, token, timestamp, nonce, body, forwardedList, forwarded) {
  const names = forwardedList === '' ? [] : forwardedList.split(',');
  if (names.join(',') !== forwarded.map((f) => f.name.toLowerCase()).join(',')) {
    throw new Error('X-Event-Forwarded does not list the forwarded headers in order');
  }
  return ['surrogate-v2', method, path, eventId, user, token, String(timestamp), nonce, sha256Hex(body), forwardedList]
    .concat(forwarded.map((f) => `${f.name.toLowerCase()}:${f.value}`))
    .join('\n');
}

function sign(secret, canonical) {
  return createHmac('sha256', secret).update(Buffer.from(canonical, 'utf8')).digest('hex');
}

function same(a, b) {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}

function check(vector, secret) {
  const problems = [];
  const expect = (what, computed, recorded) => {
    if (!same(computed, recorded)) {
      problems.push(`${what}: computed ${JSON.stringify(computed)}, file has ${JSON.stringify(recorded)}`);
    }
  };
  const body = Buffer.from(vector.body, 'utf8');
  expect('X-Event-Id', escapeHeaderValue(vector.eventIdBeforeEscaping), vector.eventId);
  expect('X-Event-User', escapeHeaderValue(vector.userBeforeEscaping), vector.user);
  expect('body SHA-256', sha256Hex(body), vector.bodySha256);
  const version = vector.version ?? 1;
  const canonical = version === 2
    ? canonicalStringV2(vector.method, vector.path, vector.eventId, vector.user, vector.token, vector.timestamp,
      vector.nonce, body, vector.forwardedList, vector.forwarded)
    : canonicalString(vector.method, vector.path, vector.eventId, vector.user,
      vector.token, vector.timestamp, vector.nonce, body);
  expect('canonical string', canonical, vector.canonical);
  expect('canonical SHA-256', sha256Hex(Buffer.from(canonical, 'utf8')), vector.canonicalSha256);
  const signature = sign(secret, canonical);
  expect(`v${version}`, signature, vector.signature);
  expect('X-Event-Signature', `t=${vector.timestamp};n=${vector.nonce};v${version}=${signature}`, vector.header);
  return problems;
}

function main(args) {
  if (args.length > 1) {
    console.error('usage: check_vectors.mjs [VECTORS_JSON]');
    return 2;
  }
  const path = args.length === 1 ? args[0] : fileURLToPath(new URL('../protocol-vectors.json', import.meta.url));
  const document = JSON.parse(readFileSync(path, 'utf8'));

  const secret = Buffer.from(document.testSecret.base64, 'base64');
  let failures = 0;
  if (secret.toString('base64') !== document.testSecret.base64 || secret.toString('hex') !== document.testSecret.hex) {
    console.log('FAIL testSecret: base64 and hex differ');
    failures++;
  }
  if (secret.length !== 32) {
    console.log(`FAIL testSecret: ${secret.length} bytes, expected 32`);
    failures++;
  }

  for (const vector of document.vectors) {
    const problems = check(vector, secret);
    if (problems.length > 0) {
      failures++;
      console.log(`FAIL ${vector.name}: ${problems.join('; ')}`);
    } else {
      console.log(`ok   ${vector.name}  X-Event-Signature: ${vector.header}`);
    }
  }
  console.log(`${document.vectors.length} vectors, ${failures} failed`);
  return failures > 0 ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
