"""A real OpenID Connect provider on loopback, built on authlib's authorization server (not
microcred's code): discovery, JWKS, the authorization endpoint (it signs in ``user`` at once, as
an IdP with a live session would), and the token endpoint enforcing client_secret_basic, the
redirect URI, single-use codes, ``nonce`` and PKCE (S256 required).

For bad-input tests it can misbehave the way a hostile or broken provider would: the ID token
it returns is re-signed after authlib made it, with the wrong audience or issuer, expired, for
another nonce, with ``alg: none``, HS256 keyed with the client secret, under an unknown ``kid``,
or forged with a key it does not publish (``mode``)."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import flask
from authlib.integrations.flask_oauth2 import AuthorizationServer
from authlib.oauth2.rfc6749 import AuthorizationCodeMixin, ClientMixin, grants
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import OpenIDCode, UserInfo
from joserfc import jwt
from joserfc.jwk import OctKey, RSAKey
from werkzeug.serving import make_server

# authlib refuses plain http unless told: the provider listens on loopback for tests only
os.environ.setdefault("AUTHLIB_INSECURE_TRANSPORT", "1")

MODES = (
    "ok",
    "wrong_audience",
    "wrong_issuer",
    "expired",
    "wrong_nonce",
    "alg_none",
    "hs256",
    "unknown_kid",
    "forged",
)


@dataclass
class Client(ClientMixin):  # type: ignore[misc]
    client_id: str
    client_secret: str
    redirect_uri: str

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_allowed_scope(self, scope: str) -> str:
        return " ".join(s for s in scope.split() if s in {"openid", "email", "profile"})

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri == self.redirect_uri

    def check_client_secret(self, client_secret: str) -> bool:
        return client_secret == self.client_secret

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method == "client_secret_basic"

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type == "authorization_code"


@dataclass
class Code(AuthorizationCodeMixin):  # type: ignore[misc]
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: dict[str, Any]
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None

    def get_redirect_uri(self) -> str:
        return self.redirect_uri

    def get_scope(self) -> str:
        return self.scope

    def get_nonce(self) -> str | None:
        return self.nonce

    def get_auth_time(self) -> int:
        return int(time.time())

    def get_acr(self) -> None:
        return None

    def get_amr(self) -> None:
        return None


@dataclass
class Provider:
    """The provider's state: its clients, the signed-in user, how it misbehaves, what it saw."""

    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "k1"}))
    clients: dict[str, Client] = field(default_factory=dict)
    user: dict[str, Any] = field(default_factory=dict)
    mode: str = "ok"
    codes: dict[str, Code] = field(default_factory=dict)
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: int = 0
    token_errors: list[str] = field(default_factory=list)
    port: int = 0

    @property
    def issuer(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def register(self, client_id: str, secret: str, redirect_uri: str) -> None:
        self.clients[client_id] = Client(client_id, secret, redirect_uri)


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _misbehave(provider: Provider, id_token: str, client: Client) -> str:
    """The ID token as ``provider.mode`` says a hostile provider would send it."""
    claims = dict(jwt.decode(id_token, provider.key).claims)
    header = {"alg": "RS256", "kid": "k1"}
    key: Any = provider.key
    mode = provider.mode
    if mode == "wrong_audience":
        claims["aud"] = "someone-else"
    elif mode == "wrong_issuer":
        claims["iss"] = "https://evil.example"
    elif mode == "expired":
        claims["exp"], claims["iat"] = int(time.time()) - 3600, int(time.time()) - 7200
    elif mode == "wrong_nonce":
        claims["nonce"] = "not-the-nonce-microcred-sent"
    elif mode == "alg_none":
        return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    elif mode == "hs256":
        header = {"alg": "HS256"}
        key = OctKey.import_key(client.client_secret.encode())
    elif mode == "unknown_kid":
        header["kid"] = "rogue"
        key = RSAKey.generate_key(2048, parameters={"kid": "rogue"})
    elif mode == "forged":
        key = RSAKey.generate_key(2048)  # not published, but claims the real kid
    return jwt.encode(header, claims, key, algorithms=[header["alg"]])


def make_app(provider: Provider) -> flask.Flask:
    """The provider's Flask application."""
    app = flask.Flask("test-oidc-provider")
    server = AuthorizationServer(
        app,
        query_client=provider.clients.get,
        save_token=lambda token, request: None,
    )

    class CodeGrant(grants.AuthorizationCodeGrant):  # type: ignore[misc]
        TOKEN_ENDPOINT_AUTH_METHODS = ("client_secret_basic",)

        def save_authorization_code(self, code: str, request: Any) -> None:
            data = request.payload.data
            provider.codes[code] = Code(
                code,
                request.client.client_id,
                request.payload.redirect_uri,
                request.payload.scope,
                dict(provider.user),
                data.get("nonce"),
                data.get("code_challenge"),
                data.get("code_challenge_method"),
            )

        def query_authorization_code(self, code: str, client: Client) -> Code | None:
            found = provider.codes.get(code)
            return found if found and found.client_id == client.client_id else None

        def delete_authorization_code(self, authorization_code: Code) -> None:
            provider.codes.pop(authorization_code.code, None)

        def authenticate_user(self, authorization_code: Code) -> dict[str, Any]:
            return authorization_code.user

    class IdToken(OpenIDCode):  # type: ignore[misc]
        def exists_nonce(self, nonce: str, request: Any) -> bool:
            return False

        def resolve_client_private_key(self, client: Client) -> dict[str, Any]:
            return provider.key.as_dict(private=True)

        def get_client_algorithm(self, client: Client) -> str:
            return "RS256"

        def get_client_claims(self, client: Client) -> dict[str, Any]:
            return {"iss": provider.issuer}

        def generate_user_info(self, user: dict[str, Any], scope: str) -> UserInfo:
            return UserInfo(user)

    server.register_grant(CodeGrant, [IdToken(require_nonce=True), CodeChallenge(required=True)])

    @app.get("/.well-known/openid-configuration")
    def discovery() -> Any:
        return flask.jsonify(
            {
                "issuer": provider.issuer,
                "authorization_endpoint": f"{provider.issuer}/authorize",
                "token_endpoint": f"{provider.issuer}/token",
                "jwks_uri": f"{provider.issuer}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "code_challenge_methods_supported": ["S256"],
            }
        )

    @app.get("/jwks")
    def jwks() -> Any:
        return flask.jsonify({"keys": [provider.key.as_dict(private=False)]})

    @app.get("/authorize")
    def authorize() -> Any:
        provider.authorize_requests.append(dict(flask.request.args))
        return server.create_authorization_response(grant_user=provider.user)

    @app.post("/token")
    def token() -> Any:
        provider.token_requests += 1
        response = server.create_token_response()
        body = json.loads(response.get_data())
        if "error" in body:
            provider.token_errors.append(f"{body['error']}: {body.get('error_description', '')}")
        elif provider.mode != "ok":
            client = provider.clients[flask.request.authorization.username]  # type: ignore[union-attr]
            body["id_token"] = _misbehave(provider, body["id_token"], client)
            response.set_data(json.dumps(body))
        return response

    return app


def serve(provider: Provider | None = None) -> Iterator[Provider]:
    """Run the provider on 127.0.0.1 (a free port) until the generator is closed."""
    provider = provider or Provider()
    server = make_server("127.0.0.1", 0, make_app(provider), threaded=True)
    provider.port = server.server_port
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
