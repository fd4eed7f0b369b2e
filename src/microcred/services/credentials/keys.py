"""Issuer keys: creation, sealing at rest, rotation, and the identifiers they sign under."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from microcred.crypto.did import (
    PublishedKey,
    did_key,
    did_key_verification_method,
    did_web_document,
)
from microcred.crypto.keys import Ed25519KeyPair, Ed25519PublicKeyBytes, RsaKeyPair
from microcred.crypto.sealing import Sealer
from microcred.domain.identity import Organisation
from microcred.errors import ConfigurationError, InvalidInput
from microcred.ports.credentials import SigningKeyRecord
from microcred.ports.unit_of_work import TenantScope
from microcred.services.ids import new_id
from microcred.services.urls import PublicUrls

ED25519 = "Ed25519"
RS256 = "RS256"


@dataclass(frozen=True, slots=True)
class Signer:
    """A usable signing key and the identifiers a proof made with it carries."""

    record: SigningKeyRecord
    key: Ed25519KeyPair | RsaKeyPair
    issuer_id: str
    verification_method: str

    def __repr__(self) -> str:
        return f"Signer({self.verification_method})"


#: opened keys kept in memory at most (then the cache starts again)
_OPENED_KEPT = 1024


class IssuerKeys:
    """Creates, rotates and unseals organisation keys."""

    def __init__(self, sealer: Sealer, urls: PublicUrls) -> None:
        self._sealer = sealer
        self._urls = urls
        #: opened keys by (key id, sealed bytes): the sealing key that opens them is in this
        #: process's memory anyway, so keeping them adds no exposure; a re-sealed key misses
        self._opened: dict[tuple[str, bytes], Ed25519KeyPair | RsaKeyPair] = {}

    @staticmethod
    def _aad(org_id: str, key_id: str) -> bytes:
        return f"microcred-key:{org_id}:{key_id}".encode()

    def create(
        self, scope: TenantScope, now: datetime, algorithm: str = ED25519
    ) -> SigningKeyRecord:
        """A new active key for the organisation (private half sealed)."""
        key_id = new_id()
        if algorithm == ED25519:
            pair = Ed25519KeyPair.generate()
            public = pair.public.multibase
            secret = pair.seed
            fragment = public
        elif algorithm == RS256:
            rsa = RsaKeyPair.generate()
            public = json.dumps(rsa.public_jwk(), sort_keys=True)
            secret = rsa.private_der
            fragment = f"rsa-{key_id[:8]}"
        else:
            raise InvalidInput(f"Key algorithm {algorithm!r} is not supported.")
        record = SigningKeyRecord(
            id=key_id,
            organisation_id=scope.organisation_id,
            algorithm=algorithm,
            public=public,
            sealed_private=self._sealer.seal(secret, self._aad(scope.organisation_id, key_id)),
            fragment=fragment,
            active=True,
            created_at=now,
        )
        scope.keys.add(record)
        return record

    def rotate(
        self, scope: TenantScope, now: datetime, algorithm: str = ED25519
    ) -> SigningKeyRecord:
        """Retire the active key (it stays published, so its credentials keep verifying) and
        create a new one."""
        current = scope.keys.active(algorithm)
        if current is not None:
            current.active = False
            current.retired_at = now
            scope.keys.update(current)
        return self.create(scope, now, algorithm)

    def unseal(self, record: SigningKeyRecord) -> Ed25519KeyPair | RsaKeyPair:
        """The private key; only ever held in memory."""
        cache_key = (record.id, bytes(record.sealed_private))
        opened = self._opened.get(cache_key)
        if opened is not None:
            return opened
        secret = self._sealer.open(
            record.sealed_private, self._aad(record.organisation_id, record.id)
        )
        pair = Ed25519KeyPair(secret) if record.algorithm == ED25519 else RsaKeyPair(secret)
        if len(self._opened) >= _OPENED_KEPT:
            self._opened.clear()
        self._opened[cache_key] = pair
        return pair

    def issuer_id(self, org: Organisation, record: SigningKeyRecord) -> str:
        """The issuer id a credential signed with ``record`` carries (the key's controller)."""
        if org.did_method == "web":
            return self._urls.did_web(org.slug)
        if record.algorithm != ED25519:
            raise ConfigurationError(
                "RS256 keys can only be published through did:web.",
                hint="Switch the organisation to did:web to sign VC-JWTs with RS256.",
            )
        return did_key(Ed25519PublicKeyBytes.from_multibase(record.public))

    def verification_method(self, org: Organisation, record: SigningKeyRecord) -> str:
        """The verificationMethod id for ``record``."""
        if org.did_method == "web":
            return f"{self._urls.did_web(org.slug)}#{record.fragment}"
        return did_key_verification_method(Ed25519PublicKeyBytes.from_multibase(record.public))

    def signer(self, scope: TenantScope, org: Organisation, algorithm: str = ED25519) -> Signer:
        """The organisation's active key, creating one on first use."""
        record = scope.keys.active(algorithm)
        if record is None:
            raise ConfigurationError(f"The organisation has no active {algorithm} key.")
        return Signer(
            record,
            self.unseal(record),
            self.issuer_id(org, record),
            self.verification_method(org, record),
        )

    def signer_for(self, scope: TenantScope, org: Organisation, key_id: str) -> Signer:
        """A specific key of the organisation, active or retired (status lists keep their key)."""
        record = scope.keys.get(key_id)
        if record is None:
            raise ConfigurationError("The key that signs this status list is missing.")
        return Signer(
            record,
            self.unseal(record),
            self.issuer_id(org, record),
            self.verification_method(org, record),
        )

    def did_document(self, org: Organisation, keys: Sequence[SigningKeyRecord]) -> dict[str, Any]:
        """The did:web document: every key ever used, retired ones included."""
        did = self._urls.did_web(org.slug)
        ed_keys = [
            PublishedKey(k.fragment, Ed25519PublicKeyBytes.from_multibase(k.public), k.active)
            for k in keys
            if k.algorithm == ED25519
        ]
        doc = did_web_document(did, ed_keys)
        for k in keys:
            if k.algorithm == RS256:
                vm = {
                    "id": f"{did}#{k.fragment}",
                    "type": "JsonWebKey",
                    "controller": did,
                    "publicKeyJwk": json.loads(k.public),
                }
                doc["verificationMethod"].append(vm)
                doc["assertionMethod"].append(vm["id"])
        return doc
