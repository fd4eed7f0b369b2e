"""OpenID Connect through the guarded client: discovery and JWKS are fetched like every other
untrusted document (`HttpFetcher`: public addresses or the allow-list, deadlines, size caps, no
redirects, a bounded cache), the code is exchanged with one guarded POST, and ID-token
signatures are checked with joserfc against the provider's keys."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

from microcred.adapters.http.backend import fetch_deadline
from microcred.adapters.http.client import guarded_client
from microcred.adapters.http.fetcher import HttpFetcher
from microcred.errors import (
    FetchTimedOut,
    Unauthenticated,
    UpstreamFailed,
)
from microcred.ports.sso import ProviderMetadata

#: asymmetric algorithms only: ``none`` and the HMAC ones (keyed with the client secret) never
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "EdDSA")
MAX_ID_TOKEN = 16_384
MAX_TOKEN_RESPONSE = 256 * 1024


class GuardedOidcClient:
    """`OidcClient` over the guarded fetcher (GETs) and a guarded client (the token POST)."""

    def __init__(
        self,
        fetcher: HttpFetcher,
        *,
        timeout: float,
        allow_http: bool = False,
        ca_bundle: str | None = None,
    ) -> None:
        self._fetch = fetcher
        self._timeout = timeout
        self._allow_http = allow_http
        self._client = guarded_client(
            fetcher.policy,
            timeout=timeout,
            ca_bundle=ca_bundle,
            headers={"Accept": "application/json"},
        )

    def _endpoint(self, value: object, what: str) -> str:
        allowed = ("https", "http") if self._allow_http else ("https",)
        if not isinstance(value, str) or len(value) > 2048:
            raise UpstreamFailed(f"The provider's discovery document has no usable {what}.")
        try:
            parts = urlsplit(value)
        except ValueError:
            raise UpstreamFailed(f"The provider's {what} is malformed.") from None
        if parts.scheme not in allowed or not parts.hostname:
            raise UpstreamFailed(f"The provider's {what} must be an https URL, not {value[:100]}.")
        return value

    def discover(self, issuer: str, *, fresh: bool = False) -> ProviderMetadata:
        """Fetch ``issuer``/.well-known/openid-configuration (``fresh``: not from the cache)."""
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        if fresh:
            self._fetch.forget(url)
        document = self._fetch(url)
        if document.get("issuer") != issuer:
            raise UpstreamFailed(
                f"The provider says its issuer is {str(document.get('issuer'))[:200]!r}, "
                f"not {issuer[:200]!r}; register the issuer exactly as the provider names it."
            )
        advertised = document.get("id_token_signing_alg_values_supported") or ["RS256"]
        if not isinstance(advertised, list):
            raise UpstreamFailed("The provider's list of ID-token algorithms is malformed.")
        algorithms = tuple(a for a in ALGORITHMS if a in advertised)
        if not algorithms:
            raise UpstreamFailed(
                "The provider signs ID tokens with none of the algorithms microcred accepts "
                f"({', '.join(ALGORITHMS)})."
            )
        return ProviderMetadata(
            issuer=issuer,
            authorization_endpoint=self._endpoint(
                document.get("authorization_endpoint"), "authorization endpoint"
            ),
            token_endpoint=self._endpoint(document.get("token_endpoint"), "token endpoint"),
            jwks_uri=self._endpoint(document.get("jwks_uri"), "JWKS address"),
            signing_algorithms=algorithms,
        )

    def exchange_code(
        self,
        metadata: ProviderMetadata,
        *,
        client_id: str,
        client_secret: str,
        code: str,
        code_verifier: str,
        redirect_uri: str,
    ) -> str:
        """POST the code (client_secret_basic, RFC 6749 §2.3.1) and return the ID token."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        auth = (quote(client_id, safe=""), quote(client_secret, safe=""))
        end = time.monotonic() + self._timeout
        try:
            with (
                fetch_deadline(end),
                self._client.stream(
                    "POST", metadata.token_endpoint, data=form, auth=auth, timeout=self._timeout
                ) as response,
            ):
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > MAX_TOKEN_RESPONSE:
                        raise UpstreamFailed("The provider's token answer is too large.")
                status = response.status_code
        except httpx.TimeoutException as exc:
            raise FetchTimedOut("The provider did not answer the token request in time.") from exc
        except httpx.HTTPError as exc:
            raise UpstreamFailed(
                f"The provider's token endpoint could not be reached: {type(exc).__name__}."
            ) from exc
        try:
            answer = json.loads(bytes(body))
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise UpstreamFailed(f"The provider's token endpoint answered HTTP {status}, not JSON.")
        if status != 200:
            error = str(answer.get("error", "an error"))[:80]
            raise Unauthenticated(f"The provider refused the sign-in ({error}); start again.")
        token = answer.get("id_token")
        if not isinstance(token, str) or not token:
            raise UpstreamFailed("The provider's token answer carries no ID token.")
        if len(token) > MAX_ID_TOKEN:
            raise Unauthenticated("The ID token is too large.")
        return token

    def _keys(self, jwks_uri: str) -> KeySet:
        document = self._fetch(jwks_uri)
        keys = document.get("keys")
        if not isinstance(keys, list):
            raise UpstreamFailed("The provider's JWKS has no list of keys.")
        usable = [k for k in keys if isinstance(k, dict) and k.get("use", "sig") == "sig"]
        try:
            return KeySet.import_key_set({"keys": usable})
        except (JoseError, ValueError, TypeError) as exc:
            raise UpstreamFailed("The provider's JWKS holds a malformed key.") from exc

    def verified_claims(self, metadata: ProviderMetadata, id_token: str) -> dict[str, Any]:
        """The claims of an ID token whose signature holds (alg and kid checked first)."""
        if not isinstance(id_token, str) or len(id_token) > MAX_ID_TOKEN:
            raise Unauthenticated("The ID token is malformed or too large.")
        try:
            header = extract_compact(id_token.encode("ascii")).headers()
        except (JoseError, ValueError, UnicodeError) as exc:
            raise Unauthenticated("The ID token is not a signed JWT.") from exc
        alg = header.get("alg")
        if alg not in metadata.signing_algorithms:
            raise Unauthenticated(
                f"The ID token is signed with {str(alg)[:20]!r}, which is not accepted "
                f"(accepted: {', '.join(metadata.signing_algorithms)})."
            )
        for attempt in range(2):
            keys = self._keys(metadata.jwks_uri)
            try:
                token = jwt.decode(id_token, keys, algorithms=[str(alg)])
            except InvalidKeyIdError as exc:
                if attempt == 0:  # the provider may have rotated its keys: fetch them again
                    self._fetch.forget(metadata.jwks_uri)
                    continue
                raise Unauthenticated(
                    "The ID token is signed with a key the provider does not publish."
                ) from exc
            except (JoseError, ValueError) as exc:
                raise Unauthenticated(
                    "The ID token's signature does not hold: it was not signed by the provider."
                ) from exc
            return dict(token.claims)
        raise Unauthenticated("The ID token could not be checked.")  # pragma: no cover


__all__ = ["ALGORITHMS", "GuardedOidcClient"]
