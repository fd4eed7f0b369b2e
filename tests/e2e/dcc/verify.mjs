#!/usr/bin/env node
// Offline harness around the Digital Credentials Consortium verifier
// (@digitalcredentials/verifier-core, pinned in package.json).
//
// stdin  (one JSON job):
//   {
//     "resources":   {"<url>": <JSON value served as JSON | string served verbatim>},
//     "credentials": [<verifiable credential>, ...],
//     "knownDIDRegistries": [...]          // optional, default [] (offline)
//   }
// stdout (one JSON answer, see normalise() for a result's fields):
//   {"ok": bool, "verifier": {...}, "network": {"served": [...], "refused": [...]},
//    "results": [{"verified", "revoked", "fatal", "checks", "schema", "errors",
//                 "diagnosis", "network", "elapsed_ms", "raw"}, ...]}
// exit code: 0 ok; 3 a URL outside the map (or a socket) was attempted;
//            2 bad job; 1 harness crash.
//
// Offline: `globalThis.fetch` is replaced by a lookup in `resources` and every
// TCP/TLS connection is refused (see installOfflineNetwork). verifier-core
// itself reaches the network only through fetch: its security document loader
// (ky -> fetch) for status-list credentials, did:web documents, https
// verification methods and JSON-LD contexts it does not bundle; its JSON-schema
// check (fetch) for OB 3.0 schemas; and the issuer-registry client (fetch) for
// knownDIDRegistries. did:key is resolved locally.
//
// sign_fixture.mjs imports the helpers exported here; the job only runs when
// this file is the entry point.

import fs from 'node:fs';
import net from 'node:net';
import {fileURLToPath} from 'node:url';

export const VERIFIER_PACKAGE = '@digitalcredentials/verifier-core';
export const VERIFIER_VERSION = '1.0.0-beta.11';

/** Marker text in every refusal, so it can be recognised in error chains. */
export const REFUSED_MARKER = 'OFFLINE-HARNESS-REFUSED';

// ---------------------------------------------------------------- network --

/**
 * Replace globalThis.fetch by a URL -> document map and refuse every socket.
 *
 * A URL with a fragment (a verification method id such as
 * `https://example.edu/issuers/1#key`) is served by the document at the URL
 * without the fragment, as a web server would. Anything else not in the map
 * is recorded in `refused` and answered with a 404 whose body is not JSON
 * (a 404 rather than a thrown network error, so that ky does not retry it).
 *
 * @param {Record<string, unknown>} resources - URL -> JSON value or string.
 * @returns {object} {served, refused, mark(), since(mark)} - the request log.
 */
export function installOfflineNetwork(resources = {}) {
  const served = [];
  const refused = [];
  const map = new Map(Object.entries(resources));
  let recording = true; // off while the harness itself (not the verifier) asks

  const lookup = url => {
    if(map.has(url)) {
      return url;
    }
    const hash = url.indexOf('#');
    if(hash !== -1 && map.has(url.slice(0, hash))) {
      return url.slice(0, hash);
    }
    return null;
  };

  globalThis.fetch = async function offlineFetch(input, init = {}) {
    let url;
    let method;
    if(typeof input === 'string') {
      url = input;
    } else if(input instanceof URL) {
      url = input.href;
    } else {
      ({url, method} = input); // a Request (ky always passes one)
    }
    method = (init.method || method || 'GET').toUpperCase();
    const key = method === 'GET' ? lookup(url) : null;
    if(key === null) {
      if(recording) {
        refused.push({url, method, via: 'fetch'});
      }
      process.stderr.write(`${REFUSED_MARKER}: ${method} ${url} is not in the offline map\n`);
      return new Response(`${REFUSED_MARKER}: ${url} is not in the offline map`, {
        status: 404,
        statusText: 'Not in offline map',
        headers: {'content-type': 'text/plain'}
      });
    }
    if(recording) {
      served.push(url);
    }
    const value = map.get(key);
    const isText = typeof value === 'string';
    return new Response(isText ? value : JSON.stringify(value), {
      status: 200,
      headers: {'content-type': isText ? 'text/plain' : 'application/json'}
    });
  };

  // Anything that bypasses fetch (node:http, undici, a raw socket) ends up in
  // Socket#connect (TLSSocket inherits it): record and fail the connection.
  net.Socket.prototype.connect = function refusedConnect(...args) {
    // net.connect() passes its normalised [options, callback] as one array
    const first = Array.isArray(args[0]) ? args[0][0] : args[0];
    const options = typeof first === 'object' && first !== null ?
      first : {port: first, host: args[1]};
    const target = options.path ??
      `${options.host ?? 'localhost'}:${options.port ?? ''}`;
    refused.push({url: `socket://${target}`, method: 'CONNECT', via: 'socket'});
    process.stderr.write(`${REFUSED_MARKER}: socket connection to ${target}\n`);
    process.nextTick(() => this.destroy(
      new Error(`${REFUSED_MARKER}: socket connection to ${target}`)));
    return this;
  };

  return {
    served,
    refused,
    // run fn without recording its requests (the harness's own diagnosis,
    // which repeats requests the verifier already made); refusals still fail
    async unrecorded(fn) {
      recording = false;
      try {
        return await fn();
      } finally {
        recording = true;
      }
    },
    mark: () => [served.length, refused.length],
    since: ([s, r]) => ({served: served.slice(s), refused: refused.slice(r)})
  };
}

// ------------------------------------------------------------- utilities --

/** console.* goes to stderr: stdout carries only the JSON answer. */
export function routeConsoleToStderr() {
  const write = (...args) => process.stderr.write(args.map(a => (
    typeof a === 'string' ? a :
      a instanceof Error ? `${a.name}: ${a.message}` : safeJson(a)
  )).join(' ') + '\n');
  for(const name of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
    console[name] = write;
  }
}

function safeJson(value) {
  try {
    return JSON.stringify(toPlain(value));
  } catch{
    return String(value);
  }
}

export async function readStdinJson() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/**
 * A JSON-safe copy: Errors (which JSON.stringify turns into `{}`) become
 * {name, message, ...own fields, cause, stack (first lines)}; cycles are cut.
 */
export function toPlain(value, ancestors = []) {
  if(value === null || typeof value !== 'object') {
    return typeof value === 'bigint' ? value.toString() : value;
  }
  if(ancestors.includes(value)) {
    return '[circular]';
  }
  const next = [...ancestors, value];
  if(Array.isArray(value)) {
    return value.map(v => toPlain(v, next) ?? null);
  }
  const out = {};
  if(value instanceof Error) {
    out.name = value.name;
    out.message = value.message;
    if(value.cause !== undefined) {
      out.cause = toPlain(value.cause, next);
    }
  }
  for(const [k, v] of Object.entries(value)) {
    if(typeof v === 'function' || v === undefined) {
      continue;
    }
    if(v instanceof Error && (k === 'stackTrace' || k === 'stack')) {
      out[k] = toPlain(v, next);
    } else if(typeof v === 'string' && (k === 'stack' || k === 'stackTrace')) {
      out[k] = v.split('\n').slice(0, 6).join('\n');
    } else {
      out[k] = toPlain(v, next);
    }
  }
  return out;
}

// ----------------------------------------------------------- normalising --

// Log ids that DCC reports but that do not decide validity:
// registered_issuer is "is the issuer in one of knownDIDRegistries" (always
// false offline unless the job passes registries); DCC shows it as a warning.
const ADVISORY_CHECKS = new Set(['registered_issuer']);

/**
 * Turn verifier-core's answer into the harness's result shape.
 *
 * verifier-core deletes `verified` from its answer. It returns either
 *   - a fatal answer `{credential, errors: [{name, message}]}` (no log): no
 *     proof, no VC context, credential id not a URL, bad signature
 *     (`invalid_signature`, also used when issuer != key controller), a
 *     JSON-LD error (names like `jsonld.ValidationError`), an unreachable
 *     did:web / https key (`http_error_with_signature_check`), or anything it
 *     threw (`unknown_error`);
 *   - or `{credential, log: [{id, valid} | {id, error}], additionalInformation}`
 *     with log ids valid_signature, expiration, revocation_status (or
 *     <purpose>_status), registered_issuer; a status list that could not be
 *     used gives {id: 'revocation_status', error: {name: 'status_list_*'}};
 *   - or, for an error it did not classify (validFrom in the future), the
 *     error left in `error` and a log with only registered_issuer.
 */
export function normalise(raw) {
  const errors = [];
  for(const e of raw?.errors ?? []) {
    errors.push({
      name: String(e?.name ?? 'error'),
      message: String(e?.message ?? e),
      ...(e?.stackTrace?.message ? {detail: String(e.stackTrace.message)} : {})
    });
  }
  const fatal = errors.length > 0;
  // An error verifier-core did not classify stays in `error` (e.g. a validFrom
  // in the future): the log then has no valid_signature entry.
  if(raw?.error) {
    errors.push({
      name: String(raw.error.name ?? 'error'),
      message: String(raw.error.message ?? raw.error)
    });
  }

  const checks = {};
  for(const step of raw?.log ?? []) {
    let status;
    if(step.error) {
      status = 'error';
      errors.push({
        name: String(step.error.name ?? 'error'),
        message: String(step.error.message ?? ''),
        check: step.id
      });
    } else {
      status = step.valid === true ? 'passed' : 'failed';
    }
    // several entries with one id (several statuses): the worst one wins
    const rank = {passed: 0, failed: 1, error: 2};
    if(!(step.id in checks) || rank[status] > rank[checks[step.id]]) {
      checks[step.id] = status;
    }
  }

  // JSON-schema check: verifier-core puts it in additionalInformation and
  // does not let it decide validity.
  const schemaEntry = (raw?.additionalInformation ?? [])
    .find(entry => entry.id === 'schema_check');
  let schema = null;
  if(schemaEntry) {
    const {results} = schemaEntry;
    if(Array.isArray(results)) {
      const valid = results.every(r => r?.result?.valid === true);
      schema = {
        status: valid ? 'passed' : 'failed',
        schemas: results.map(r => r.schema),
        errors: results.flatMap(r => (r?.result?.errors ?? []).map(
          e => `${e.instancePath || '/'} ${e.message}`))
      };
    } else if(results === 'NO_SCHEMA') {
      schema = {status: 'skipped', schemas: [], errors: []};
    } else {
      schema = {status: 'error', schemas: [], errors: [String(results)]};
    }
    checks.schema = schema.status;
  }

  const decisive = Object.entries(checks)
    .filter(([id]) => id !== 'schema' && !ADVISORY_CHECKS.has(id));
  const verified = !fatal &&
    checks.valid_signature === 'passed' &&
    decisive.every(([, status]) => status === 'passed');

  let revoked = null;
  if(checks.revocation_status === 'passed') {
    revoked = false;
  } else if(checks.revocation_status === 'failed') {
    revoked = true;
  }

  return {verified, revoked, fatal, checks, schema, errors};
}

// ------------------------------------------------------------- diagnosis --

// verifier-core reports every failed proof as {name: 'invalid_signature',
// message: 'The signature is not valid.'} and drops the reason. To say *why*,
// we re-run the underlying @digitalcredentials/vc check with the same
// document loader and suites that verifier-core builds (see its Verify.js)
// and collect the error messages. This is diagnosis only: it never changes
// the verdict.
let diagnoser;
async function diagnose(credential) {
  if(!diagnoser) {
    const vc = await import('@digitalcredentials/vc');
    const {DataIntegrityProof} = await import('@digitalcredentials/data-integrity');
    const {cryptosuite} = await import('@digitalcredentials/eddsa-rdfc-2022-cryptosuite');
    const {Ed25519Signature2020} = await import('@digitalcredentials/ed25519-signature-2020');
    const {securityLoader} = await import('@digitalcredentials/security-document-loader');
    const documentLoader = securityLoader({fetchRemoteContexts: true}).build();
    const suite = [new Ed25519Signature2020(), new DataIntegrityProof({cryptosuite})];
    diagnoser = credential => vc.verifyCredential({
      credential, suite, documentLoader,
      // status is not what we diagnose here
      checkStatus: async () => ({verified: true})
    });
  }
  try {
    const result = await diagnoser(credential);
    const error = result.error;
    if(!error) {
      return [];
    }
    const inner = Array.isArray(error.errors) ? error.errors : [error];
    return inner.map(e => `${e?.name ?? 'Error'}: ${e?.message ?? e}`);
  } catch(e) {
    return [`diagnosis failed: ${e?.message ?? e}`];
  }
}

// ------------------------------------------------------------------ main --

async function main() {
  routeConsoleToStderr();
  let job;
  try {
    job = await readStdinJson();
    if(!job || !Array.isArray(job.credentials)) {
      throw new TypeError('"credentials" must be an array');
    }
    if(job.resources !== undefined &&
      (typeof job.resources !== 'object' || Array.isArray(job.resources))) {
      throw new TypeError('"resources" must be an object mapping URL -> document');
    }
  } catch(e) {
    process.stdout.write(JSON.stringify({ok: false, harness_error: `bad job: ${e.message}`}) + '\n');
    process.exitCode = 2;
    return;
  }

  // Network guard first, then load the verifier (it builds its document
  // loader at import time).
  const netLog = installOfflineNetwork(job.resources ?? {});
  const pkgUrl = new URL(
    `./node_modules/${VERIFIER_PACKAGE}/package.json`, import.meta.url);
  const installed = JSON.parse(fs.readFileSync(pkgUrl, 'utf8')).version;
  if(installed !== VERIFIER_VERSION) {
    throw new Error(`${VERIFIER_PACKAGE} ${installed} is installed, ` +
      `${VERIFIER_VERSION} is pinned: run npm ci --prefix tests/e2e/dcc`);
  }
  const {verifyCredential} = await import(VERIFIER_PACKAGE);
  const knownDIDRegistries = job.knownDIDRegistries ?? [];

  const results = [];
  for(const credential of job.credentials) {
    const mark = netLog.mark();
    const started = performance.now();
    let raw;
    try {
      raw = await verifyCredential({credential, knownDIDRegistries});
    } catch(e) {
      // verifier-core catches its own errors; this is a safety net
      raw = {errors: [{name: 'harness_error', message: String(e?.message ?? e)}]};
    }
    const elapsed = performance.now() - started;
    const plainRaw = toPlain(raw);
    const normalised = normalise(plainRaw);
    const diagnosis = normalised.fatal && credential?.proof ?
      await netLog.unrecorded(() => diagnose(credential)) : [];
    results.push({
      ...normalised,
      diagnosis,
      network: netLog.since(mark),
      elapsed_ms: Math.round(elapsed),
      raw: plainRaw
    });
  }

  const ok = netLog.refused.length === 0;
  const answer = {
    ok,
    verifier: {package: VERIFIER_PACKAGE, version: installed, node: process.version},
    network: {served: netLog.served, refused: netLog.refused},
    results
  };
  process.stdout.write(JSON.stringify(answer) + '\n');
  process.exitCode = ok ? 0 : 3;
}

const isEntryPoint = process.argv[1] &&
  fileURLToPath(import.meta.url) === fs.realpathSync(process.argv[1]);
if(isEntryPoint) {
  main().catch(e => {
    process.stdout.write(JSON.stringify({
      ok: false, harness_error: `${e?.name}: ${e?.message}`
    }) + '\n');
    process.stderr.write(`${e?.stack ?? e}\n`);
    process.exitCode = 1;
  });
}

