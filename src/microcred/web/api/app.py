"""The FastAPI application: routers, error mapping and limits."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from microcred import __version__
from microcred.bootstrap import Container
from microcred.credentials import verify as credential_verification
from microcred.credentials.bulk_csv import MAX_FILE_BYTES
from microcred.errors import MicrocredError, TooManyAttempts
from microcred.services.jobs import BackgroundWorker
from microcred.web.api.credentials import achievements, public
from microcred.web.api.credentials import bulk as bulk_api
from microcred.web.api.credentials import imports as credential_imports
from microcred.web.api.credentials import routes as credentials
from microcred.web.api.delivery import oid4vci as oid4vci_api
from microcred.web.api.docs import install_api_docs
from microcred.web.api.identity import routes as auth
from microcred.web.api.identity import sso_routes as sso_api
from microcred.web.api.learning import routes as learning
from microcred.web.api.ledger import routes as log_routes
from microcred.web.api.limits import BodyLimits
from microcred.web.api.lti import routes as lti_api
from microcred.web.api.mail import routes as mail_api
from microcred.web.api.review import routes as review
from microcred.web.api.scim import routes as scim_api
from microcred.web.api.scim import scim_error
from microcred.web.api.scim import token_routes as scim_tokens
from microcred.web.api.skills import routes as skills
from microcred.web.api.webhooks import routes as webhooks

from microcred.web.api.portability import routes as exports_api  # isort: skip

from microcred.web.api.delivery import exchanges as wallet_exchanges  # isort: skip
from microcred.web.errors import status_of
from microcred.web.pages import admin as admin_pages
from microcred.web.pages import app_pages, learner_imports, learner_wallets
from microcred.web.pages import learner as learner_pages
from microcred.web.pages import lti as lti_pages
from microcred.web.pages import mail as mail_pages
from microcred.web.pages import public as public_pages
from microcred.web.pages import review as review_pages
from microcred.web.pages import routes as pages
from microcred.web.pages import sso as sso_pages
from microcred.web.pages.admin import bulk as bulk_pages
from microcred.web.pages.session import COOKIE as SESSION_COOKIE
from microcred.web.pages.skills import overview as skills_overview
from microcred.web.pages.skills import talent as skills_talent

log = logging.getLogger("microcred.web")


def _field(loc: tuple[object, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "request"


def create_app(container: Container) -> FastAPI:
    """The API app bound to ``container``."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # one-time schema compilation and context processing off the event loop, before the
        # first verification
        await run_in_threadpool(credential_verification.warm)
        worker = BackgroundWorker(container.jobs) if container.settings.run_worker else None
        if worker:
            worker.start()
        try:
            yield
        finally:
            if worker:
                worker.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="microcred",
        version=__version__,
        description="Open Badges 3.0 micro-credentials: define, issue, revoke and verify.",
        docs_url=None,
        redoc_url=None,
    )
    app.state.container = container

    # an error page reads the session (a database lookup) to show the signed-in visitor's
    # navigation: it is rendered in the thread pool; JSON answers stay on the event loop
    @app.exception_handler(MicrocredError)
    async def _microcred_error(request: Request, exc: MicrocredError) -> Response:
        status = status_of(exc)
        if status >= 500:
            log.error("server-side error: %s", exc.message)
        if pages.wants_html(request):
            response = await run_in_threadpool(
                pages.error_page, request, status, "Sorry", exc.explain()
            )
        else:
            response = JSONResponse(
                {"error": exc.code, "message": exc.explain()}, status_code=status
            )
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = [
            f"{_field(tuple(e.get('loc', ())))}: {e.get('msg', 'invalid')}"
            for e in exc.errors()[:10]
        ]
        if pages.wants_html(request):
            return await run_in_threadpool(
                pages.error_page,
                request,
                422,
                "That did not work",
                "Part of the request was not valid: " + "; ".join(problems),
            )
        return JSONResponse(
            {"error": "invalid_input", "message": "; ".join(problems)}, status_code=422
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith(scim_api.PREFIX + "/"):
            return scim_error(exc.status_code, str(exc.detail))
        if pages.wants_html(request):
            return await run_in_threadpool(pages.http_error_page, request, exc.status_code)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return JSONResponse(
            {"error": code, "message": str(exc.detail)}, status_code=exc.status_code
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error")  # the trace goes to the log, never to the client
        if pages.wants_html(request):
            return await run_in_threadpool(
                pages.error_page,
                request,
                500,
                "Something went wrong",
                "Something went wrong on the server; nothing was changed. Try again in a moment.",
            )
        return JSONResponse(
            {
                "error": "internal_error",
                "message": "Something went wrong on the server; nothing was changed.",
            },
            status_code=500,
        )

    https = container.settings.public_base_url.startswith("https://")

    @app.middleware("http")
    async def _security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if "authorization" in request.headers or SESSION_COOKIE in request.cookies:
            response.headers["Cache-Control"] = "no-store"  # nothing personal in shared caches
        if https:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("X-Frame-Options", "DENY")
            response.headers.setdefault(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                "form-action 'self'; frame-ancestors 'none'",
            )
        return response

    @app.get("/healthz", tags=["public"])
    async def healthz() -> dict[str, str]:
        """Trivially cheap and on the event loop: it answers while every worker thread is busy."""
        return {"status": "ok", "version": __version__}

    app.mount(
        "/static",
        StaticFiles(directory=str(resources.files("microcred.web.pages").joinpath("static"))),
        name="static",
    )
    install_api_docs(app)
    app.include_router(pages.router)
    app.include_router(public_pages.router)  # before public.router: /credentials/<id>.json
    app.include_router(app_pages.router)
    app.include_router(review_pages.router)
    app.include_router(learner_pages.router)
    app.include_router(learner_imports.router)
    app.include_router(learner_wallets.router)
    app.include_router(mail_pages.router)
    app.include_router(admin_pages.router)
    app.include_router(sso_pages.router)
    app.include_router(lti_pages.router)
    app.include_router(skills_overview.router)
    app.include_router(skills_talent.router)
    for router in (
        auth.router,
        achievements.router,
        bulk_api.router,  # before credentials.router: /bulk is not a credential id
        credentials.router,
        credentials.me_router,
        credentials.records_router,
        credential_imports.router,
        public.router,
        log_routes.router,
        learning.router,
        review.router,
        skills.router,
        webhooks.router,
        mail_api.router,
        sso_api.router,
        lti_api.router,
        oid4vci_api.router,
        wallet_exchanges.router,
        exports_api.router,
        scim_api.router,
        scim_tokens.router,
    ):
        app.include_router(router)
    app.add_middleware(
        BodyLimits,
        max_bytes=container.settings.max_body_bytes,
        max_depth=container.settings.max_json_depth,
        upload_bytes=container.settings.max_upload_bytes,
        upload_paths=(
            *credential_imports.UPLOAD_ROUTES,
            *learning.UPLOAD_ROUTES,
            *review.UPLOAD_ROUTES,
            *learner_pages.UPLOAD_ROUTES,
            *learner_imports.UPLOAD_ROUTES,
        ),
        page=_limit_page,
        wants_page=_wants_page,
        large_uploads=[
            (path, MAX_FILE_BYTES) for path in (*bulk_api.UPLOAD_ROUTES, *bulk_pages.UPLOAD_ROUTES)
        ],
    )
    return app


_LIMIT_TITLES = {413: "That is too large", 400: "That did not work", 422: "That did not work"}


def _wants_page(request: Request) -> bool:
    """Whether `BodyLimits` answers with `_limit_page` (a browser's request, or SCIM's)."""
    return request.url.path.startswith(scim_api.PREFIX + "/") or pages.wants_html(request)


def _limit_page(request: Request, status: int, message: str) -> Response:
    """The page a browser gets when `BodyLimits` refuses its request before any route runs
    (rendered off the event loop when sent: it reads the session for the navigation); a SCIM
    client gets a SCIM ``Error``."""
    if request.url.path.startswith(scim_api.PREFIX + "/"):
        return scim_error(status, message, "invalidSyntax" if status in (400, 422) else "")
    return pages.error_page_when_sent(request, status, _LIMIT_TITLES.get(status, "Sorry"), message)
