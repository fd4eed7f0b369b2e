"""The DCC Learner Credential Wallet's flow: a single-use, expiring request link (deep link and
QR code) to a VC-API exchange. The wallet POSTs ``{}`` and gets a DIDAuthentication request
over a ``challenge`` and ``domain``; it POSTs its signed DIDAuth presentation and gets the
credential re-issued to its DID (``IssuanceService.bind_within``) in the same transaction that
uses the exchange up, so a failure leaves it unused."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, urlencode

from microcred.domain.credential import CredentialStatus
from microcred.domain.identity import Principal
from microcred.errors import Conflict, InvalidInput, NotFound
from microcred.ports.clock import Clock
from microcred.ports.delivery_exchanges import ExchangeState, WalletExchange
from microcred.ports.unit_of_work import UnitOfWorkFactory
from microcred.services.credentials import IssuanceService, holds
from microcred.services.delivery.exchange_didauth import holder_of
from microcred.services.urls import PublicUrls

#: largest exchange request body accepted (a DIDAuth presentation is ~1-2 KiB)
MAX_EXCHANGE_BODY = 64 * 1024
#: unexpired links one credential may have open at once
MAX_OPEN_PER_CREDENTIAL = 5
LCW_REQUEST_PAGE = "https://lcw.app/request.html"
VC_V2 = "https://www.w3.org/ns/credentials/v2"


def token_hash(token: str) -> str:
    """The stored key of an exchange: SHA-256 of its URL token, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class CreatedExchange:
    """A new exchange and its links (the token is in them and is shown only now)."""

    exchange: WalletExchange
    exchange_url: str
    #: the LCW request deep link (universal link) carrying ``protocols.vcapi``; what the QR holds
    wallet_link: str
    #: the same request on the wallet's own scheme
    app_link: str
    #: the older bearer request link (``vc_request_url`` + ``challenge``)
    legacy_link: str


class WalletExchanges:
    """Create request links for a holder's credential; run the wallet's VC-API exchange."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        clock: Clock,
        issuance: IssuanceService,
        urls: PublicUrls,
        ttl: timedelta,
    ) -> None:
        self._uow = uow
        self._clock = clock
        self._issuance = issuance
        self._urls = urls
        self._ttl = ttl

    @property
    def domain(self) -> str:
        """The ``domain`` a wallet's DIDAuth proof must name: this server's base URL."""
        return self._urls.base

    def url(self, organisation_id: str, token: str) -> str:
        """The VC-API exchange endpoint of a token."""
        return f"{self._urls.base}/api/v1/exchanges/{organisation_id}/{token}"

    def create(self, principal: Principal, credential_id: str) -> CreatedExchange:
        """A single-use link that sends the holder's credential to their wallet."""
        now = self._clock.now()
        with self._uow() as uow:
            scope = uow.tenant(principal.organisation_id)
            found = scope.credentials.get(credential_id)
            if found is None or not holds(principal, found):
                raise NotFound("No such credential of yours.")
            if found.status is not CredentialStatus.ACTIVE:
                raise InvalidInput(f"The credential is {found.status.value}: it cannot be sent.")
            if found.valid_until is not None and _aware(found.valid_until) <= now:
                raise InvalidInput("The credential has expired: it cannot be sent.")
            if scope.wallet_exchanges.open_for(found.id, now) >= MAX_OPEN_PER_CREDENTIAL:
                raise Conflict(
                    "This credential already has several open wallet links; use one of them "
                    "or wait until they expire."
                )
            token = secrets.token_urlsafe(32)
            exchange = WalletExchange(
                token_hash=token_hash(token),
                organisation_id=principal.organisation_id,
                credential_id=found.id,
                user_id=principal.user_id,
                challenge=secrets.token_urlsafe(24),
                state=ExchangeState.PENDING,
                created_at=now,
                expires_at=now + self._ttl,
            )
            scope.wallet_exchanges.add(exchange)
            uow.commit()
        url = self.url(principal.organisation_id, token)
        request = json.dumps(
            {"credentialRequestOrigin": self._urls.base, "protocols": {"vcapi": url}},
            separators=(",", ":"),
        )
        legacy = urlencode(
            {
                "issuer": self._urls.base,
                "auth_type": "bearer",
                "challenge": exchange.challenge,
                "vc_request_url": url,
            },
            quote_via=quote,
        )
        return CreatedExchange(
            exchange,
            url,
            f"{LCW_REQUEST_PAGE}?request={quote(request, safe='')}",
            f"dccrequest://request?request={quote(request, safe='')}",
            f"dccrequest://request?{legacy}",
        )

    def _open(self, organisation_id: str, token: str) -> WalletExchange:
        if not isinstance(token, str) or not 20 <= len(token) <= 100:
            raise NotFound("No such exchange.")
        with self._uow() as uow:
            found = uow.tenant(organisation_id).wallet_exchanges.get(token_hash(token))
        if found is None:
            raise NotFound("No such exchange.")
        if found.state is not ExchangeState.PENDING:
            raise Conflict("This wallet link was already used; ask for a new one.")
        if _aware(found.expires_at) <= self._clock.now():
            raise Conflict("This wallet link has expired; ask for a new one.")
        return found

    def participate(self, organisation_id: str, token: str, body: object) -> dict[str, Any]:
        """One step of the exchange: ``{}`` answers the DIDAuth request; a signed presentation
        (wrapped as ``verifiablePresentation``, or bare as the older bearer link sends it)
        answers the credential bound to its holder."""
        exchange = self._open(organisation_id, token)
        if not isinstance(body, Mapping):
            raise InvalidInput("The exchange takes a JSON object.")
        url = self.url(organisation_id, token)
        if not body:
            return {"verifiablePresentationRequest": self._request(exchange, url)}
        wrapped = "verifiablePresentation" in body
        if not wrapped and "proof" not in body:
            raise InvalidInput(
                "Send {} to start, then {verifiablePresentation: …} signed by your DID."
            )
        presentation = body["verifiablePresentation"] if wrapped else body
        holder = holder_of(
            presentation,
            challenge=exchange.challenge,
            domain=self.domain,
            require_domain=wrapped,
        )
        now = self._clock.now()
        with self._uow() as uow:
            copy = self._issuance.bind_within(uow, organisation_id, exchange.credential_id, holder)
            used = uow.tenant(organisation_id).wallet_exchanges.complete(
                exchange.token_hash, holder, copy.id, now
            )
            if not used:
                raise Conflict("This wallet link was already used; ask for a new one.")
            uow.commit()
        if not wrapped:
            return dict(copy.document)
        return {
            "verifiablePresentation": {
                "@context": [VC_V2],
                "type": ["VerifiablePresentation"],
                "verifiableCredential": [copy.document],
            }
        }

    def _request(self, exchange: WalletExchange, url: str) -> dict[str, Any]:
        return {
            "query": [
                {
                    "type": "DIDAuthentication",
                    "acceptedMethods": [{"method": "key"}],
                    "acceptedCryptosuites": [
                        {"cryptosuite": "eddsa-rdfc-2022"},
                        {"cryptosuite": "Ed25519Signature2020"},
                    ],
                }
            ],
            "challenge": exchange.challenge,
            "domain": self.domain,
            "interact": {
                "service": [
                    {"type": "UnmediatedHttpPresentationService2021", "serviceEndpoint": url}
                ]
            },
        }
