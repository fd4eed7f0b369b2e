#!/usr/bin/env node
// Test-fixture signer built only from DCC / Digital Bazaar libraries, so the
// harness can be proven without microcred's own issuer.
//
// stdin (one JSON job):
//   {
//     "seed_hex": "<64 hex chars>",        // Ed25519 seed -> did:key:z6Mk...
//     "created": "2024-01-01T00:00:00Z",   // optional proof `created`
//     "keep_issuer": false,                // optional; see below
//     "resources": {"<url>": <document>},  // optional: contexts not bundled
//     "credentials": [<unsigned credential>, ...],
//     "status_lists": [{"id": "<url>", "statusPurpose": "revocation",
//                       "length": 131072, "set": [<index>, ...],
//                       "validFrom": "...", "validUntil": "..."}]   // optional
//   }
// stdout:
//   {"did": "did:key:z6Mk...", "verificationMethod": "did:key:z6Mk...#z6Mk...",
//    "credentials": [<signed>], "status_lists": [<signed BitstringStatusListCredential>]}
//
// Every document is signed with DataIntegrityProof / eddsa-rdfc-2022 by the
// did:key. Unless "keep_issuer" is true, `issuer` (or `issuer.id` when issuer
// is an object) is set to the did:key, as verifiers require the issuer to be
// the key's controller; keep_issuer lets a test sign a mismatched issuer.
// Runs offline: the network guard from verify.mjs is installed; contexts come
// from the security document loader's bundled copies, else from "resources".
// Any other URL makes the signer fail.

import * as Ed25519Multikey from '@digitalcredentials/ed25519-multikey';
import {DataIntegrityProof} from '@digitalcredentials/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalcredentials/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalcredentials/vc';
import {createList, createCredential} from '@digitalcredentials/vc-bitstring-status-list';
import {securityLoader} from '@digitalcredentials/security-document-loader';
import {installOfflineNetwork, readStdinJson, routeConsoleToStderr, toPlain} from './verify.mjs';

const DEFAULT_STATUS_LIST_LENGTH = 131072; // Bitstring Status List minimum

async function main() {
  routeConsoleToStderr();
  const job = await readStdinJson();
  const netLog = installOfflineNetwork(job.resources ?? {});

  if(!/^[0-9a-fA-F]{64}$/.test(job.seed_hex ?? '')) {
    throw new TypeError('"seed_hex" must be 32 bytes in hex');
  }
  const seed = Uint8Array.from(Buffer.from(job.seed_hex, 'hex'));
  // did:key for an Ed25519 key: the controller is did:key:<multibase key>
  // and the verification method id is <did>#<multibase key>.
  const probe = await Ed25519Multikey.generate({seed});
  const did = `did:key:${probe.publicKeyMultibase}`;
  const keyPair = await Ed25519Multikey.generate({seed, controller: did});
  const verificationMethod = keyPair.id;

  // bundled contexts, then the offline map
  const documentLoader = securityLoader({fetchRemoteContexts: true}).build();
  const suite = new DataIntegrityProof({
    signer: keyPair.signer(),
    cryptosuite: eddsaRdfc2022,
    ...(job.created ? {date: job.created} : {})
  });
  const sign = credential => vc.issue({credential, suite, documentLoader});

  const credentials = [];
  for(const unsigned of job.credentials ?? []) {
    const credential = structuredClone(unsigned);
    if(!job.keep_issuer) {
      if(credential.issuer && typeof credential.issuer === 'object') {
        credential.issuer.id = did;
      } else {
        credential.issuer = did;
      }
    }
    credentials.push(await sign(credential));
  }

  const statusLists = [];
  for(const spec of job.status_lists ?? []) {
    const list = await createList({length: spec.length ?? DEFAULT_STATUS_LIST_LENGTH});
    for(const index of spec.set ?? []) {
      list.setStatus(index, true);
    }
    const credential = await createCredential({
      id: spec.id, list, statusPurpose: spec.statusPurpose ?? 'revocation'
    });
    credential.issuer = did;
    if(spec.validFrom) {
      credential.validFrom = spec.validFrom;
    }
    if(spec.validUntil) {
      credential.validUntil = spec.validUntil;
    }
    statusLists.push(await sign(credential));
  }

  if(netLog.refused.length) {
    throw new Error(`network used while signing: ${JSON.stringify(netLog.refused)}`);
  }
  process.stdout.write(JSON.stringify(toPlain({
    did, verificationMethod, credentials, status_lists: statusLists
  })) + '\n');
}

main().catch(e => {
  process.stderr.write(`sign_fixture failed: ${e?.stack ?? e}\n`);
  process.exitCode = 1;
});
