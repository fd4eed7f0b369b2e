"""LTI 1.3 platforms through the guarded client: the platform's JWKS is fetched like every other
untrusted document (`HttpFetcher`: public addresses or the allow-list, deadlines, size caps, no
redirects, a bounded cache), launch and deep-linking JWTs are checked with joserfc (RS256 only,
as the IMS Security Framework requires), and the token request and score posts are guarded
POSTs."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import extract_compact

from microcred.adapters.http.backend import fetch_deadline
from microcred.adapters.http.client import guarded_client
from microcred.adapters.http.fetcher import HttpFetcher
from microcred.errors import FetchTimedOut, Unauthenticated, UpstreamFailed

MAX_TOKEN = 32_768
MAX_ANSWER = 256 * 1024
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
SCORE_TYPE = "application/vnd.ims.lis.v1.score+json"


class GuardedLtiClient:
    """`LtiClient` over the guarded fetcher (the JWKS) and a guarded client (the POSTs)."""

    def __init__(
        self, fetcher: HttpFetcher, *, timeout: float, ca_bundle: str | None = None
    ) -> None:
        self._fetch = fetcher
        self._timeout = timeout
        self._client = guarded_client(fetcher.policy, timeout=timeout, ca_bundle=ca_bundle)

    def _keys(self, jwks_url: str) -> KeySet:
        document = self._fetch(jwks_url)
        keys = document.get("keys")
        if not isinstance(keys, list):
            raise UpstreamFailed("The platform's JWKS has no list of keys.")
        usable = [
            k
            for k in keys
            if isinstance(k, dict) and k.get("kty") == "RSA" and k.get("use", "sig") == "sig"
        ]
        try:
            return KeySet.import_key_set({"keys": usable})
        except (JoseError, ValueError, TypeError) as exc:
            raise UpstreamFailed("The platform's JWKS holds a malformed key.") from exc

    def verified_claims(self, jwks_url: str, token: str) -> dict[str, Any]:
        """The claims of an RS256 JWT signed by one of the platform's keys."""
        if not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
            raise Unauthenticated("The launch carries no id_token, or one too large.")
        try:
            header = extract_compact(token.encode("ascii")).headers()
        except (JoseError, ValueError, UnicodeError) as exc:
            raise Unauthenticated("The id_token is not a signed JWT.") from exc
        if header.get("alg") != "RS256":
            raise Unauthenticated(
                f"The id_token is signed with {str(header.get('alg'))[:20]!r}; LTI 1.3 needs RS256."
            )
        for attempt in range(2):
            keys = self._keys(jwks_url)
            try:
                decoded = jwt.decode(token, keys, algorithms=["RS256"])
            except InvalidKeyIdError as exc:
                if attempt == 0:  # the platform may have rotated its keys: fetch them again
                    self._fetch.forget(jwks_url)
                    continue
                raise Unauthenticated(
                    "The id_token is signed with a key the platform does not publish."
                ) from exc
            except (JoseError, ValueError) as exc:
                raise Unauthenticated(
                    "The id_token's signature does not hold: the platform did not sign it."
                ) from exc
            return dict(decoded.claims)
        raise Unauthenticated("The id_token could not be checked.")  # pragma: no cover

    def _post(self, url: str, what: str, **kwargs: Any) -> tuple[int, bytes]:
        end = time.monotonic() + self._timeout
        try:
            with (
                fetch_deadline(end),
                self._client.stream("POST", url, timeout=self._timeout, **kwargs) as response,
            ):
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > MAX_ANSWER:
                        raise UpstreamFailed(f"The platform's {what} answer is too large.")
                return response.status_code, bytes(body)
        except httpx.TimeoutException as exc:
            raise FetchTimedOut(f"The platform did not answer the {what} in time.") from exc
        except httpx.HTTPError as exc:
            raise UpstreamFailed(
                f"The platform's {what} could not be reached: {type(exc).__name__}."
            ) from exc

    def access_token(self, token_url: str, assertion: str, scopes: Sequence[str]) -> str:
        """Client-credentials grant with a JWT assertion (IMS Security Framework §4.1)."""
        status, body = self._post(
            token_url,
            "token request",
            data={
                "grant_type": "client_credentials",
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": assertion,
                "scope": " ".join(scopes),
            },
            headers={"Accept": "application/json"},
        )
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if not isinstance(answer, dict):
            raise UpstreamFailed(f"The platform's token endpoint answered HTTP {status}, not JSON.")
        token = answer.get("access_token")
        if status != 200 or not isinstance(token, str) or not token or len(token) > MAX_TOKEN:
            error = str(answer.get("error", "no access token"))[:80]
            raise UpstreamFailed(f"The platform refused the token request ({error}).")
        return token

    def post_score(self, lineitem_url: str, access_token: str, score: dict[str, Any]) -> int:
        """POST the score to ``{lineitem}/scores`` (AGS 2.0 §3.4); the HTTP status."""
        base, _, query = lineitem_url.partition("?")
        url = f"{base.rstrip('/')}/scores" + (f"?{query}" if query else "")
        status, _ = self._post(
            url,
            "score post",
            content=json.dumps(score).encode(),
            headers={"Authorization": f"Bearer {access_token}", "Content-Type": SCORE_TYPE},
        )
        return status


__all__ = ["GuardedLtiClient"]
