// An independent OpenID4VCI 1.0 wallet: @openid4vc/openid4vci (OpenWallet Foundation's
// oid4vc-ts, pinned in package.json) receives a credential by pre-authorized code.
//
// Reads one job as JSON on stdin:
//   {offer: "openid-credential-offer://...", txCode?: "123456", alg?: "EdDSA" | "ES256",
//    keyMethod?: "jwk" | "did", nonce?: "<use this c_nonce instead of a fresh one>",
//    repeat?: true (ask for the credential a second time with the same access token),
//    insecure?: true (allow http:// URLs: loopback test servers)}
// Writes {ok, holderDid, credential, token, steps} or {ok: false, stage, status, error, ...}.
// The holder DID is computed here, independently of microcred: did:key (Ed25519) or did:jwk.
import { createHash, generateKeyPairSync, randomBytes, sign } from "node:crypto";
import { clientAuthenticationAnonymous } from "@openid4vc/oauth2";
import { Openid4vciClient } from "@openid4vc/openid4vci";
import { setGlobalConfig } from "@openid4vc/utils";

const B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

function base58(bytes) {
  let n = BigInt("0x" + Buffer.from(bytes).toString("hex"));
  let out = "";
  while (n > 0n) {
    out = B58[Number(n % 58n)] + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = "1" + out;
  }
  return out;
}

function b64url(data) {
  return Buffer.from(data).toString("base64url");
}

function holderKey(alg) {
  if (alg === "ES256") {
    const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const { kty, crv, x, y } = publicKey.export({ format: "jwk" });
    const jwk = { crv, kty, x, y }; // sorted members: the canonical JSON did:jwk encodes
    const did = "did:jwk:" + b64url(JSON.stringify(jwk));
    return { jwk, did, didUrl: did + "#0", signBytes: (m) => sign("sha256", m, { key: privateKey, dsaEncoding: "ieee-p1363" }) };
  }
  const { publicKey, privateKey } = generateKeyPairSync("ed25519");
  const jwk = publicKey.export({ format: "jwk" });
  const raw = Buffer.from(jwk.x, "base64url");
  const mb = "z" + base58(Buffer.concat([Buffer.from([0xed, 0x01]), raw]));
  const did = "did:key:" + mb;
  return { jwk: { kty: "OKP", crv: "Ed25519", x: jwk.x }, did, didUrl: `${did}#${mb}`, signBytes: (m) => sign(null, m, privateKey) };
}

function describe(error) {
  // Oauth2ClientErrorResponseError: {response: Response, errorResponse};
  // Openid4vciRetrieveCredentialsError: {response: {response: Response, credentialErrorResponseResult}}
  const wrapped = error.response?.credentialErrorResponseResult;
  const status = error.response?.response?.status ?? error.response?.status;
  const body = error.errorResponse ?? wrapped?.data;
  return {
    name: error.name,
    message: String(error.message).slice(0, 500),
    status,
    error: body?.error,
    body,
  };
}

async function main() {
  const job = JSON.parse(await new Promise((resolve) => {
    let text = "";
    process.stdin.on("data", (c) => (text += c));
    process.stdin.on("end", () => resolve(text));
  }));
  if (job.insecure) {
    setGlobalConfig({ allowInsecureUrls: true });
  }
  const key = holderKey(job.alg ?? "EdDSA");
  const callbacks = {
    fetch: (...args) => fetch(...args),
    hash: (data, alg) => createHash(alg.replace("-", "").toLowerCase()).update(data).digest(),
    generateRandom: (n) => randomBytes(n),
    clientAuthentication: clientAuthenticationAnonymous(),
    signJwt: async (signer, { header, payload }) => {
      const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
      return { jwt: `${input}.${b64url(key.signBytes(Buffer.from(input)))}`, signerJwk: key.jwk };
    },
  };
  const client = new Openid4vciClient({ callbacks });
  const steps = [];
  let stage = "offer";
  try {
    const offer = await client.resolveCredentialOffer(job.offer);
    steps.push("offer");
    stage = "metadata";
    const issuerMetadata = await client.resolveIssuerMetadata(offer.credential_issuer);
    steps.push(`metadata:${issuerMetadata.originalDraftVersion}`);
    stage = "token";
    const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({
      credentialOffer: offer,
      issuerMetadata,
      txCode: job.txCode,
    });
    steps.push("token");
    const configurationId = offer.credential_configuration_ids[0];
    const request = async () => {
      stage = "nonce";
      const { c_nonce } = await client.requestNonce({ issuerMetadata });
      steps.push("nonce");
      stage = "proof";
      const signer = (job.keyMethod ?? "jwk") === "did"
        ? { method: "did", didUrl: key.didUrl, alg: job.alg ?? "EdDSA" }
        : { method: "jwk", publicJwk: key.jwk, alg: job.alg ?? "EdDSA" };
      const { jwt } = await client.createCredentialRequestJwtProof({
        issuerMetadata,
        credentialConfigurationId: configurationId,
        signer,
        nonce: job.nonce ?? c_nonce,
        issuedAt: new Date(),
      });
      stage = "credential";
      const { credentialResponse } = await client.retrieveCredentials({
        issuerMetadata,
        accessToken: accessTokenResponse.access_token,
        credentialConfigurationId: configurationId,
        proofs: { jwt: [jwt] },
      });
      steps.push("credential");
      return credentialResponse;
    };
    const first = await request();
    const result = {
      ok: true,
      holderDid: key.did,
      credential: first.credentials?.[0]?.credential ?? first.credential,
      tokenType: accessTokenResponse.token_type,
      expiresIn: accessTokenResponse.expires_in,
      steps,
    };
    if (job.repeat) {
      try {
        await request();
        result.repeat = { ok: true };
      } catch (error) {
        result.repeat = { ok: false, stage, ...describe(error) };
      }
    }
    process.stdout.write(JSON.stringify(result));
  } catch (error) {
    process.stdout.write(JSON.stringify({ ok: false, stage, steps, holderDid: key.did, ...describe(error) }));
  }
}

main().catch((error) => {
  process.stdout.write(JSON.stringify({ ok: false, stage: "harness", message: String(error?.stack ?? error) }));
  process.exitCode = 2;
});
