#!/usr/bin/env node
// A stand-in for the DCC Learner Credential Wallet built only from the DCC's own libraries
// (@digitalcredentials/vc, ed25519-signature-2020, eddsa-rdfc-2022-cryptosuite), doing what
// LCW's exchanges.ts does: parse the request deep link, POST {} to `protocols.vcapi`, answer
// the DIDAuthentication request with a presentation signed by a did:key over its `challenge`
// and `domain`, POST it to the `interact` service, and print what came back.
//
// stdin:  {"link": "https://lcw.app/request.html?request=...", "seed_hex": "<64 hex>",
//          "suite": "Ed25519Signature2020" | "eddsa-rdfc-2022"}
// stdout: {"did": "did:key:z6Mk...", "request": <the VPR>, "status": <HTTP status>,
//          "response": <the exchange's last answer>}
// Only the exchange's own loopback URLs are fetched; contexts come bundled.

import {Ed25519VerificationKey2020} from '@digitalcredentials/ed25519-verification-key-2020';
import {Ed25519Signature2020} from '@digitalcredentials/ed25519-signature-2020';
import * as Ed25519Multikey from '@digitalcredentials/ed25519-multikey';
import {DataIntegrityProof} from '@digitalcredentials/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalcredentials/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalcredentials/vc';
import {securityLoader} from '@digitalcredentials/security-document-loader';
import {readStdinJson, routeConsoleToStderr, toPlain} from './verify.mjs';

async function post(url, body) {
  const response = await fetch(url, {
    method: 'POST', headers: {'Content-Type': 'application/json'}, body: JSON.stringify(body)
  });
  return {status: response.status, json: await response.json()};
}

async function holderSuite(seed, kind) {
  if(kind === 'eddsa-rdfc-2022') {
    const probe = await Ed25519Multikey.generate({seed});
    const did = `did:key:${probe.publicKeyMultibase}`;
    const key = await Ed25519Multikey.generate({seed, controller: did});
    return {did, suite: new DataIntegrityProof({signer: key.signer(), cryptosuite: eddsaRdfc2022})};
  }
  const probe = await Ed25519VerificationKey2020.generate({seed});
  const did = `did:key:${probe.fingerprint()}`;
  const key = await Ed25519VerificationKey2020.generate({seed, controller: did});
  key.id = `${did}#${probe.fingerprint()}`;
  return {did, suite: new Ed25519Signature2020({key})};
}

async function main() {
  routeConsoleToStderr();
  const job = await readStdinJson();
  const link = new URL(job.link);
  const request = JSON.parse(link.searchParams.get('request'));
  const url = request?.protocols?.vcapi;
  if(!url) {
    throw new Error('the deep link carries no protocols.vcapi');
  }
  const seed = Uint8Array.from(Buffer.from(job.seed_hex, 'hex'));
  const {did, suite} = await holderSuite(seed, job.suite ?? 'Ed25519Signature2020');
  const first = await post(url, {});
  const vpr = first.json.verifiablePresentationRequest;
  if(!vpr) {
    process.stdout.write(JSON.stringify({did, status: first.status, response: first.json}) + '\n');
    return;
  }
  const queries = [].concat(vpr.query);
  if(!queries.some(q => q.type === 'DIDAuthentication' || q.type === 'DIDAuth')) {
    throw new Error(`no DIDAuthentication query: ${JSON.stringify(vpr)}`);
  }
  const documentLoader = securityLoader({fetchRemoteContexts: false}).build();
  const presentation = vc.createPresentation({holder: did});
  const signed = await vc.signPresentation({
    presentation, suite, documentLoader,
    challenge: job.challenge ?? vpr.challenge, domain: job.domain ?? vpr.domain
  });
  const next = vpr.interact?.service?.[0]?.serviceEndpoint ?? url;
  const second = await post(next, {verifiablePresentation: signed});
  process.stdout.write(JSON.stringify(toPlain({
    did, request: vpr, presentation: signed, status: second.status, response: second.json
  })) + '\n');
}

main().catch(e => {
  process.stderr.write(`wallet failed: ${e?.stack ?? e}\n`);
  process.exitCode = 1;
});
