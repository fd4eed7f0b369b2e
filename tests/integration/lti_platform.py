"""A real LTI 1.3 platform on loopback, built on ``lti1p3platform`` (an independent platform
implementation; microcred did not write it): its registration, its JWKS, the OIDC auth endpoint
(it checks the tool's auth request and answers with the library's auto-posting launch form), the
token endpoint (client-credentials grant with the tool's JWT assertion, checked against the
tool's JWKS), an AGS line item's ``/scores`` endpoint (the bearer token checked by the library)
and the deep linking return URL (the response JWT checked by the library).

For bad-input tests the next launch can misbehave as a hostile or broken platform would
(``mode``): signed by a key the platform does not publish, for another audience, expired, for
an unregistered deployment."""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt as pyjwt
import uvicorn
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from lti1p3platform.ltiplatform import LTI1P3PlatformConfAbstract
from lti1p3platform.message_launch import LTIAdvantageMessageLaunchAbstract
from lti1p3platform.oidc_login import OIDCLoginAbstract
from lti1p3platform.registration import Registration
from lti1p3platform.request import Request as LtiRequest
from lti1p3platform.request import TRequest
from lti1p3platform.service_connector import AssignmentsGradesService

CLIENT_ID = "microcred-tool"
DEPLOYMENT = "deployment-1"
LEARNER_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
INSTRUCTOR_ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
MODES = ("ok", "forged", "wrong_audience", "expired", "unknown_deployment")


def _pem_pair() -> tuple[str, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    public = (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    return private, public


@dataclass
class LaunchPlan:
    """What the next launch says: the user, the message, the misbehaviour."""

    user_id: str = "lms-user-1"
    email: str | None = "lea@example.org"
    name: str | None = "Lea Learner"
    deep_linking: bool = False
    custom: dict[str, str] = field(default_factory=dict)
    with_ags: bool = True
    mode: str = "ok"


class _Config(LTI1P3PlatformConfAbstract):
    def init_platform_config(self, **kwargs: Any) -> None:
        self._registration = kwargs["registration"]

    def get_registration_by_params(self, **kwargs: Any) -> Registration:
        assert self._registration is not None
        return self._registration


class _Login(OIDCLoginAbstract):
    def set_lti_message_hint(self, **kwargs: Any) -> None:
        self._lti_message_hint = kwargs["hint"]

    def get_redirect(self, url: str) -> str:
        return url


class _Launch(LTIAdvantageMessageLaunchAbstract):
    plan: LaunchPlan
    platform: Platform

    def get_preflight_response(self) -> dict[str, Any]:
        assert isinstance(self._request, dict)
        return self._request

    def prepare_launch(self, preflight_response: dict[str, Any]) -> None:
        plan, p = self.plan, self.platform
        role = INSTRUCTOR_ROLE if plan.deep_linking else LEARNER_ROLE
        self.set_user_data(plan.user_id, [role], plan.name, plan.email)
        self.set_launch_context_claim("course-1", context_title="Course One")
        self.set_resource_link_claim("link-1", title="Activity")
        if plan.custom:
            self.set_custom_parameters_claim(plan.custom)
        if plan.deep_linking:
            self.set_dl(f"{p.url}/deep_link_return", extra_data={"course": "course-1"})
        elif plan.with_ags:
            self.set_ags(f"{p.url}/lineitems", f"{p.url}/lineitems/item-1")
        if plan.mode == "wrong_audience":
            self.set_extra_claims({"aud": "another-tool", "azp": "another-tool"})
        elif plan.mode == "unknown_deployment":
            self.set_extra_claims(
                {"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "not-registered"}
            )
        elif plan.mode == "expired":
            self.set_id_token_expiration(-600)

    def render_launch_form(self, launch_data: dict[str, Any], **kwargs: Any) -> Any:
        return launch_data


class _Req(LtiRequest):
    def build_metadata(self, request: Any) -> TRequest:
        return request  # type: ignore[no-any-return]


class _Ags(AssignmentsGradesService):
    platform: Platform

    def update_score(self, line_item_id: str, score: Any) -> Any:
        from lti1p3platform.score import UpdateScoreStatus

        self.platform.scores.append({"line_item": line_item_id, **score})
        return UpdateScoreStatus.SUCCESS

    def find_lineitems(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError

    def find_lineitem(self, line_item_id: str) -> Any:
        raise NotImplementedError

    def create_lineitem(self, creation_data: Any) -> Any:
        raise NotImplementedError

    def update_lineitem(self, update_data: Any) -> Any:
        raise NotImplementedError

    def delete_lineitem(self, line_item_id: str) -> None:
        raise NotImplementedError

    def get_results(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError


class Platform:
    """The platform: a registration of microcred as its tool, served on loopback."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.issuer = self.url
        self.private_pem, self.public_pem = _pem_pair()
        self.foreign_pem, _ = _pem_pair()
        self.registration = (
            Registration()
            .set_iss(self.issuer)
            .set_client_id(CLIENT_ID)
            .set_deployment_id(DEPLOYMENT)
            .set_platform_private_key(self.private_pem)
            .set_platform_public_key(self.public_pem)
        )
        self.plan = LaunchPlan()
        self.scores: list[dict[str, Any]] = []
        self.token_requests = 0
        self.placed: list[dict[str, Any]] = []
        self.app = self._build()

    def connect(self, login_url: str, launch_url: str, tool_jwks: str | dict[str, Any]) -> None:
        """Point the registration at the tool (its JWKS by URL, or the document itself)."""
        self.registration.set_oidc_login_url(login_url)
        self.registration.set_launch_url(launch_url)
        self.registration.set_deeplink_launch_url(launch_url)
        if isinstance(tool_jwks, str):
            self.registration.set_tool_key_set_url(tool_jwks)
        else:
            self.registration.set_tool_key_set(tool_jwks)  # type: ignore[arg-type]

    def config(self) -> _Config:
        """A fresh platform configuration over the registration."""
        return _Config(registration=self.registration)

    def login_initiation(self, hint: str = "resource") -> str:
        """The URL the platform sends the browser to (the tool's login initiation)."""
        login = _Login(None, self.config())
        login.set_lti_message_hint(hint=hint)
        return login.prepare_preflight_url(self.plan.user_id)

    def _launch(self, query: dict[str, str]) -> Response:
        launch = _Launch(query, self.config())  # type: ignore[arg-type]
        launch.plan, launch.platform = self.plan, self
        try:
            data = launch.lti_launch()
        except Exception as exc:  # the library's refusal of the tool's auth request
            return JSONResponse({"error": type(exc).__name__}, status_code=400)
        token = data["id_token"]
        if self.plan.mode == "forged":  # the same claims and kid, signed by a key not published
            header = pyjwt.get_unverified_header(token)
            claims = pyjwt.decode(token, options={"verify_signature": False})
            token = pyjwt.encode(claims, self.foreign_pem, "RS256", headers={"kid": header["kid"]})
        return HTMLResponse(
            f'<form method="POST" action="{data["launch_url"]}">'
            f'<input type="hidden" name="id_token" value="{token}">'
            f'<input type="hidden" name="state" value="{data["state"]}"></form>'
        )

    def _build(self) -> FastAPI:
        app = FastAPI()

        @app.get("/jwks")
        def jwks() -> dict[str, Any]:
            return {"keys": self.registration.get_jwks()}

        @app.get("/auth")
        def auth(request: Request) -> Response:
            return self._launch(dict(request.query_params))

        @app.post("/token")
        async def token(request: Request) -> Response:
            form = {k: v for k, v in (await request.form()).items() if isinstance(v, str)}
            self.token_requests += 1
            config = self.config()
            config.get_registration()
            try:
                answer = config.get_access_token(form)
            except Exception as exc:
                return JSONResponse({"error": type(exc).__name__}, status_code=400)
            return JSONResponse(dict(answer))

        @app.post("/lineitems/{item}/scores")
        async def scores(item: str, request: Request) -> Response:
            body = await request.json()
            config = self.config()
            config.get_registration()
            meta = {
                "method": "POST",
                "form_data": {},
                "get_data": {},
                "headers": request.headers,
                "content_type": request.headers.get("content-type"),
                "path": request.url.path,
                "json": body,
            }
            ags = _Ags(_Req(meta), config, f"{self.url}/lineitems", f"{self.url}/lineitems/{item}")
            ags.platform = self
            answer = ags.handle_resp(ags.handle_update_score, line_item_id=item)
            return JSONResponse({"message": answer.message}, status_code=answer.code)

        @app.post("/deep_link_return")
        async def deep_link_return(request: Request) -> Response:
            form = await request.form()
            config = self.config()
            config.get_registration()
            try:
                items = config.validate_deeplinking_resp({"JWT": form.get("JWT")})
            except Exception as exc:
                return JSONResponse({"error": type(exc).__name__}, status_code=400)
            self.placed.extend(items)
            return JSONResponse({"content_items": items})

        return app


def launch_form(html: str) -> tuple[str, dict[str, str]]:
    """The action and fields of the platform's auto-posting launch form."""
    action = re.search(r'action="([^"]+)"', html)
    fields = dict(re.findall(r'name="(\w+)" value="([^"]*)"', html))
    assert action is not None, html
    return unescape(action.group(1)), {k: unescape(v) for k, v in fields.items()}


def query_of(url: str) -> dict[str, str]:
    """A URL's query parameters (the first of each)."""
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def decoded(token: str) -> dict[str, Any]:
    """A JWT's claims, unchecked (for assertions about what was sent)."""
    return dict(json.loads(json.dumps(pyjwt.decode(token, options={"verify_signature": False}))))


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def serve() -> Iterator[Platform]:
    """Run a platform on loopback for the duration of a fixture."""
    platform = Platform(free_port())
    server = uvicorn.Server(
        uvicorn.Config(platform.app, host="127.0.0.1", port=platform.port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "the LTI platform did not start"
    try:
        yield platform
    finally:
        server.should_exit = True
        thread.join(10)
