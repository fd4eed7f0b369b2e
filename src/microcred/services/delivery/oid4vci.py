"""OpenID4VCI 1.0 (final) issuance, the pre-authorized code flow: the Credential Issuer
metadata, the OAuth 2.0 authorization server metadata, the Token Endpoint (with an optional
``tx_code``), the Nonce Endpoint and the Credential Endpoint, which checks the key proof and
returns the Open Badges 3.0 credential as ``ldp_vc``, bound to the proof key's DID.

Each organisation is its own Credential Issuer (``<base>/orgs/<slug>/oid4vci``). Offers are
single use: the pre-authorized code buys one short-lived access token, the access token one
credential. Binding the credential (``IssuanceService.bind_within``), taking the nonce and
marking the offer issued happen in one transaction, so a refusal leaves nothing used."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from microcred.crypto import hash_token
from microcred.domain.identity import Organisation
from microcred.errors import InvalidInput, NotFound
from microcred.ports.clock import Clock
from microcred.ports.oid4vci import CredentialOffer, Oid4vciOfferState
from microcred.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from microcred.services.credentials import IssuanceService
from microcred.services.delivery.oid4vci_offers import (
    CONFIGURATION_ID,
    MAX_CODE_CHARS,
    PRE_AUTHORIZED_GRANT,
    issuer_identifier,
    tx_code_matches,
)
from microcred.services.delivery.oid4vci_proofs import (
    PROOF_ALGS,
    Oid4vciError,
    verify_key_proof,
)

VC_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#: wrong transaction codes after which an offer is refused for good
MAX_TX_CODE_FAILURES = 5
MAX_TX_CODE_CHARS = 64


class Oid4vciIssuer:
    """The protocol endpoints of every organisation's Credential Issuer."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        issuance: IssuanceService,
        base_url: str,
        *,
        token_lifetime: timedelta,
        nonce_lifetime: timedelta,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._issuance = issuance
        self._base = base_url
        self._token_lifetime = token_lifetime
        self._nonce_lifetime = nonce_lifetime

    def issuer(self, org_slug: str) -> str:
        """The Credential Issuer Identifier of an organisation."""
        return issuer_identifier(self._base, org_slug)

    @staticmethod
    def _org(uow: UnitOfWork, org_slug: str) -> Organisation:
        org = uow.organisations.by_slug(org_slug)
        if org is None:
            raise NotFound("No such credential issuer.")
        return org

    # --- metadata -------------------------------------------------------------------------
    def issuer_metadata(self, org_slug: str) -> dict[str, Any]:
        """The Credential Issuer Metadata (section 12.2)."""
        with self._uow() as uow:
            org = self._org(uow, org_slug)
        issuer = self.issuer(org.slug)
        return {
            "credential_issuer": issuer,
            "credential_endpoint": f"{issuer}/credential",
            "nonce_endpoint": f"{issuer}/nonce",
            "display": [{"name": org.name, "locale": "en"}],
            "credential_configurations_supported": {
                CONFIGURATION_ID: {
                    "format": "ldp_vc",
                    "scope": CONFIGURATION_ID,
                    "cryptographic_binding_methods_supported": ["did:key", "did:jwk"],
                    "credential_signing_alg_values_supported": ["eddsa-rdfc-2022"],
                    "proof_types_supported": {
                        "jwt": {"proof_signing_alg_values_supported": list(PROOF_ALGS)}
                    },
                    "credential_definition": {
                        "@context": [VC_V2, OB_V3],
                        "type": ["VerifiableCredential", "OpenBadgeCredential"],
                    },
                    "credential_metadata": {
                        "display": [
                            {
                                "name": "Open Badge",
                                "description": f"A micro-credential from {org.name}",
                                "locale": "en",
                            }
                        ]
                    },
                }
            },
        }

    def authorization_server_metadata(self, org_slug: str) -> dict[str, Any]:
        """RFC 8414 metadata: the Credential Issuer is its own authorization server."""
        with self._uow() as uow:
            org = self._org(uow, org_slug)
        issuer = self.issuer(org.slug)
        return {
            "issuer": issuer,
            "token_endpoint": f"{issuer}/token",
            "response_types_supported": [],
            "grant_types_supported": [PRE_AUTHORIZED_GRANT],
            "token_endpoint_auth_methods_supported": ["none"],
            "pre-authorized_grant_anonymous_access_supported": True,
        }

    # --- token ----------------------------------------------------------------------------
    def token(self, org_slug: str, form: Mapping[str, str]) -> dict[str, Any]:
        """Exchange a pre-authorized code (and its ``tx_code``) for an access token
        (section 6). Codes are single use and expire; five wrong transaction codes burn the
        offer."""
        grant = form.get("grant_type")
        if grant is None:
            raise Oid4vciError("invalid_request", "'grant_type' is missing.")
        if grant != PRE_AUTHORIZED_GRANT:
            raise Oid4vciError(
                "unsupported_grant_type", "Only the pre-authorized code grant is supported."
            )
        code = form.get("pre-authorized_code")
        if not code or len(code) > MAX_CODE_CHARS:
            raise Oid4vciError("invalid_request", "'pre-authorized_code' is missing or too long.")
        tx_code = form.get("tx_code")
        if tx_code is not None and len(tx_code) > MAX_TX_CODE_CHARS:
            raise Oid4vciError("invalid_request", "'tx_code' is too long.")
        now = self._clock.now()
        with self._uow() as uow:
            org = self._org(uow, org_slug)
            resource = form.get("resource")
            if resource is not None and resource != self.issuer(org.slug):
                raise Oid4vciError("invalid_target", "'resource' must be this credential issuer.")
            repo = uow.tenant(org.id).oid4vci
            offer = repo.offer_by_code(hash_token(code), for_update=True)
            if offer is None:
                raise Oid4vciError("invalid_grant", "The pre-authorized code is not known.")
            if offer.state is not Oid4vciOfferState.OFFERED:
                raise Oid4vciError("invalid_grant", "The pre-authorized code was used already.")
            if offer.expires_at <= now:
                raise Oid4vciError("invalid_grant", "The pre-authorized code has expired.")
            self._check_tx_code(uow, offer, tx_code)
            token = secrets.token_urlsafe(32)
            offer.state, offer.access_token_hash = Oid4vciOfferState.REDEEMED, hash_token(token)
            offer.token_expires_at = now + self._token_lifetime
            repo.save_offer(offer)
            uow.commit()
        return {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": int(self._token_lifetime.total_seconds()),
        }

    @staticmethod
    def _check_tx_code(uow: UnitOfWork, offer: CredentialOffer, tx_code: str | None) -> None:
        if offer.tx_code_hash is None:
            if tx_code is not None:
                raise Oid4vciError("invalid_request", "This offer has no transaction code.")
            return
        if tx_code is None:
            raise Oid4vciError("invalid_request", "'tx_code' is missing: this offer needs it.")
        if tx_code_matches(offer, tx_code):
            return
        offer.tx_code_failures += 1
        if offer.tx_code_failures >= MAX_TX_CODE_FAILURES:
            offer.state = Oid4vciOfferState.BURNED
        uow.tenant(offer.organisation_id).oid4vci.save_offer(offer)
        uow.commit()  # the count of failures stays, the offer stays unused
        raise Oid4vciError("invalid_grant", "The transaction code is wrong.")

    # --- nonce ----------------------------------------------------------------------------
    def nonce(self, org_slug: str) -> dict[str, Any]:
        """A fresh ``c_nonce`` for one key proof (section 7)."""
        now = self._clock.now()
        value = secrets.token_urlsafe(24)
        with self._uow() as uow:
            org = self._org(uow, org_slug)
            uow.tenant(org.id).oid4vci.add_nonce(hash_token(value), now + self._nonce_lifetime, now)
            uow.commit()
        return {"c_nonce": value}

    # --- credential -----------------------------------------------------------------------
    def credential(
        self, org_slug: str, access_token: str | None, request: object
    ) -> dict[str, Any]:
        """Issue the offered credential to the wallet whose key signed the proof (section 8)."""
        if not access_token or len(access_token) > MAX_CODE_CHARS:
            raise Oid4vciError("invalid_token", "Send the access token as a Bearer token.")
        now = self._clock.now()
        with self._uow() as uow:
            org = self._org(uow, org_slug)
            repo = uow.tenant(org.id).oid4vci
            offer = repo.offer_by_token(hash_token(access_token), for_update=True)
            if offer is None or offer.state is not Oid4vciOfferState.REDEEMED:
                raise Oid4vciError("invalid_token", "The access token is not valid (used?).")
            if offer.token_expires_at is None or offer.token_expires_at <= now:
                raise Oid4vciError("invalid_token", "The access token has expired.")
            jwt = _proof_jwt(request)
            proof = verify_key_proof(
                jwt, audience=self.issuer(org.slug), now=now, max_age=self._nonce_lifetime
            )
            if proof.nonce is None or len(proof.nonce) > MAX_CODE_CHARS:
                raise Oid4vciError("invalid_nonce", "The proof must carry a c_nonce.")
            if not repo.take_nonce(hash_token(proof.nonce), now):
                raise Oid4vciError(
                    "invalid_nonce", "The proof's nonce is unknown, used or expired."
                )
            try:
                copy = self._issuance.bind_within(
                    uow, org.id, offer.credential_id, proof.holder_did
                )
            except (InvalidInput, NotFound) as exc:
                raise Oid4vciError("credential_request_denied", exc.explain()) from exc
            offer.state, offer.issued_at = Oid4vciOfferState.ISSUED, now
            offer.holder_did, offer.bound_credential_id = proof.holder_did, copy.id
            repo.save_offer(offer)
            uow.commit()
        return {"credentials": [{"credential": copy.document}]}


def _proof_jwt(request: object) -> object:
    """The one ``jwt`` proof of a Credential Request (1.0's ``proofs``, or a draft's ``proof``)."""
    if not isinstance(request, dict):
        raise Oid4vciError("invalid_credential_request", "The request must be a JSON object.")
    if "credential_identifier" in request:
        raise Oid4vciError(
            "unknown_credential_identifier", "No credential identifiers were issued."
        )
    configuration = request.get("credential_configuration_id")
    if configuration is None:
        raise Oid4vciError(
            "invalid_credential_request", "'credential_configuration_id' is missing."
        )
    if configuration != CONFIGURATION_ID:
        raise Oid4vciError(
            "unknown_credential_configuration", f"Only '{CONFIGURATION_ID}' is offered."
        )
    proofs, single = request.get("proofs"), request.get("proof")
    if proofs is not None and single is not None:
        raise Oid4vciError("invalid_credential_request", "Send 'proofs' or 'proof', not both.")
    if isinstance(single, dict):
        if single.get("proof_type") != "jwt":
            raise Oid4vciError("invalid_proof", "Only the 'jwt' proof type is supported.")
        return single.get("jwt")
    if not isinstance(proofs, dict) or not proofs:
        raise Oid4vciError("invalid_proof", "A 'jwt' key proof is required.")
    if set(proofs) != {"jwt"}:
        raise Oid4vciError("invalid_proof", "Only the 'jwt' proof type is supported.")
    jwts = proofs["jwt"]
    if not isinstance(jwts, list) or len(jwts) != 1:
        raise Oid4vciError(
            "invalid_credential_request", "Send exactly one proof: batch issuance is not offered."
        )
    return jwts[0]
