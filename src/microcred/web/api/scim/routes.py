"""SCIM 2.0 over HTTP (RFC 7644) under ``/scim/v2``: discovery, Users and Groups of the
organisation whose bearer token is presented. Every answer is ``application/scim+json``;
every refusal a SCIM ``Error``. Work runs in the thread pool, never on the event loop."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from microcred.bootstrap import Container
from microcred.credentials.parsing import load_json
from microcred.errors import MicrocredError, PayloadTooLarge
from microcred.ports import ScimKind
from microcred.services.scim import ScimDocument, ScimProblem, ScimQuery
from microcred.web.api.scim import discovery
from microcred.web.api.scim.responses import scim_error, scim_json
from microcred.web.errors import status_of

PREFIX = "/scim/v2"
router = APIRouter(prefix=PREFIX, tags=["scim"], include_in_schema=False)
#: JSON nesting a SCIM body may have (a User is four levels deep)
MAX_DEPTH = 16
Work = Callable[[Container, str, Any], Response]


def _bearer(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _body(raw: bytes, limit: int) -> Any:
    if not raw.strip():
        raise ScimProblem("The request needs a JSON body.", scim_type="invalidSyntax")
    try:
        return load_json(raw, max_bytes=limit, max_depth=MAX_DEPTH, what="SCIM request body")
    except PayloadTooLarge as exc:
        raise ScimProblem(exc.explain(), status=413) from None
    except MicrocredError as exc:
        raise ScimProblem(exc.explain(), scim_type="invalidSyntax") from None


async def _run(request: Request, work: Work, *, with_body: bool = False) -> Response:
    """Authenticate, read the body (if any), run ``work`` in the thread pool; SCIM errors."""
    c: Container = request.app.state.container
    try:
        org_id = await run_in_threadpool(c.scim.tokens.organisation, _bearer(request))
        payload = _body(await request.body(), c.settings.max_body_bytes) if with_body else None
        return await run_in_threadpool(work, c, org_id, payload)
    except ScimProblem as exc:
        return scim_error(exc.status, exc.message, exc.scim_type)
    except MicrocredError as exc:
        status = status_of(exc)
        return scim_error(status, exc.explain(), "invalidValue" if status == 400 else "")


def _int(request: Request, name: str, default: int) -> int:
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    try:
        return int(text)
    except ValueError:
        raise ScimProblem(f"{name} is a whole number.", scim_type="invalidValue") from None


def _query(request: Request, body: Any = None) -> ScimQuery:
    if isinstance(body, dict):  # POST .search (RFC 7644 §3.4.3)
        values = {k: body.get(k) for k in ("filter", "sortBy", "sortOrder", "startIndex", "count")}
        for key in ("startIndex", "count"):
            if values[key] is not None and (
                not isinstance(values[key], int) or isinstance(values[key], bool)
            ):
                raise ScimProblem(f"{key} is a whole number.", scim_type="invalidValue")
        joined = {
            k: ",".join(v) if isinstance(v, list) and all(isinstance(i, str) for i in v) else None
            for k in ("attributes", "excludedAttributes")
            if (v := body.get(k)) is not None
        }
        texts = [values["filter"], values["sortBy"], values["sortOrder"]]
        if any(t is not None and not isinstance(t, str) for t in texts):
            raise ScimProblem("filter, sortBy and sortOrder are strings.", scim_type="invalidValue")
        return ScimQuery(
            filter=values["filter"],
            start_index=values["startIndex"] or 1,
            count=100 if values["count"] is None else values["count"],
            sort_by=values["sortBy"],
            sort_order=values["sortOrder"],
            attributes=joined.get("attributes"),
            excluded_attributes=joined.get("excludedAttributes"),
        )
    q = request.query_params
    return ScimQuery(
        filter=q.get("filter"),
        start_index=_int(request, "startIndex", 1),
        count=_int(request, "count", 100),
        sort_by=q.get("sortBy"),
        sort_order=q.get("sortOrder"),
        attributes=q.get("attributes"),
        excluded_attributes=q.get("excludedAttributes"),
    )


def _resource(doc: ScimDocument, status: int = 200) -> Response:
    headers = {"ETag": doc.etag}
    location = doc.body.get("meta", {}).get("location") if isinstance(doc.body, dict) else None
    if status == 201 and location:
        headers["Location"] = location
    return scim_json(doc.body, status, headers)


# discovery


def _base(c: Container) -> str:
    return c.scim.provisioning.base


@router.get("/ServiceProviderConfig")
async def service_provider_config(request: Request) -> Response:
    """What the service supports."""
    return await _run(
        request, lambda c, _o, _b: scim_json(discovery.service_provider_config(_base(c)))
    )


@router.get("/ResourceTypes")
async def resource_types(request: Request) -> Response:
    """The User and Group resource types."""
    return await _run(
        request,
        lambda c, _o, _b: scim_json(
            discovery.listed(list(discovery.resource_types(_base(c)).values()))
        ),
    )


@router.get("/ResourceTypes/{name}")
async def resource_type(request: Request, name: str) -> Response:
    """One resource type."""

    def work(c: Container, _o: str, _b: Any) -> Response:
        found = discovery.resource_types(_base(c)).get(name)
        if found is None:
            raise ScimProblem("No such resource type.", status=404)
        return scim_json(found)

    return await _run(request, work)


@router.get("/Schemas")
async def schemas(request: Request) -> Response:
    """The User, enterprise User and Group schemas."""
    return await _run(
        request,
        lambda c, _o, _b: scim_json(discovery.listed(list(discovery.schemas(_base(c)).values()))),
    )


@router.get("/Schemas/{schema_id}")
async def schema(request: Request, schema_id: str) -> Response:
    """One schema."""

    def work(c: Container, _o: str, _b: Any) -> Response:
        found = discovery.schemas(_base(c)).get(schema_id)
        if found is None:
            raise ScimProblem("No such schema.", status=404)
        return scim_json(found)

    return await _run(request, work)


@router.post("/.search")
async def search_all(request: Request) -> Response:
    """Searching every resource type at once is not offered (501, as RFC 7644 §3.12 says)."""
    return await _run(
        request,
        lambda _c, _o, _b: scim_error(501, "Search /Users/.search or /Groups/.search instead."),
    )


# Users and Groups: the same routes for both


def _routes(kind: ScimKind) -> None:
    path = f"/{kind}s"

    async def search(request: Request) -> Response:
        def work(c: Container, org_id: str, body: Any) -> Response:
            query = _query(request, body) if request.method == "POST" else _query(request)
            return scim_json(c.scim.provisioning.search(org_id, kind, query))

        return await _run(request, work, with_body=request.method == "POST")

    async def create(request: Request) -> Response:
        return await _run(
            request,
            lambda c, org_id, body: _resource(c.scim.provisioning.create(org_id, kind, body), 201),
            with_body=True,
        )

    async def get(request: Request, rid: str) -> Response:
        def work(c: Container, org_id: str, _b: Any) -> Response:
            doc = c.scim.provisioning.get(org_id, kind, rid, _query(request))
            if request.headers.get("if-none-match") == doc.etag:
                return Response(status_code=304, headers={"ETag": doc.etag})
            return _resource(doc)

        return await _run(request, work)

    async def replace(request: Request, rid: str) -> Response:
        if_match = request.headers.get("if-match")
        return await _run(
            request,
            lambda c, org_id, body: _resource(
                c.scim.provisioning.replace(org_id, kind, rid, body, if_match)
            ),
            with_body=True,
        )

    async def patch(request: Request, rid: str) -> Response:
        if_match = request.headers.get("if-match")
        return await _run(
            request,
            lambda c, org_id, body: _resource(
                c.scim.provisioning.patch(org_id, kind, rid, body, if_match)
            ),
            with_body=True,
        )

    async def delete(request: Request, rid: str) -> Response:
        if_match = request.headers.get("if-match")

        def work(c: Container, org_id: str, _b: Any) -> Response:
            c.scim.provisioning.delete(org_id, kind, rid, if_match)
            return Response(status_code=204)

        return await _run(request, work)

    router.add_api_route(path, search, methods=["GET"], summary=f"List {kind}s")
    router.add_api_route(f"{path}/.search", search, methods=["POST"], summary=f"Search {kind}s")
    router.add_api_route(path, create, methods=["POST"], summary=f"Create a {kind}")
    router.add_api_route(f"{path}/{{rid}}", get, methods=["GET"], summary=f"Get a {kind}")
    router.add_api_route(f"{path}/{{rid}}", replace, methods=["PUT"], summary=f"Replace a {kind}")
    router.add_api_route(f"{path}/{{rid}}", patch, methods=["PATCH"], summary=f"Patch a {kind}")
    router.add_api_route(f"{path}/{{rid}}", delete, methods=["DELETE"], summary=f"Delete a {kind}")


_routes("User")
_routes("Group")
