"""A learner's credentials from elsewhere: import (a URL, pasted JSON or token, or a file),
list, check again and remove."""

from __future__ import annotations

import json
from datetime import datetime

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from microcred.errors import InvalidInput
from microcred.ports.credentials import ImportedCredential
from microcred.services.credentials import FORMAT_WORDS
from microcred.web.api.deps import ContainerDep, PrincipalDep

router = APIRouter(prefix="/api/v1/me/imports", tags=["credentials"])

#: routes whose bodies may be a whole badge image
UPLOAD_ROUTES = ("/api/v1/me/imports/file",)


class ImportCreate(BaseModel):
    """Either ``url`` or ``credential`` (JSON object or compact token)."""

    url: str | None = Field(default=None, max_length=2048)
    credential: dict[str, object] | str | None = None


class CheckPublic(BaseModel):
    check: str
    status: str
    message: str


class ImportedPublic(BaseModel):
    id: str
    source: str
    source_url: str | None
    format: str
    format_name: str
    name: str | None
    issuer: str | None
    verified: bool
    checks: list[CheckPublic]
    imported_at: datetime
    verified_at: datetime

    @classmethod
    def of(cls, i: ImportedCredential) -> ImportedPublic:
        return cls(
            id=i.id,
            source=i.source,
            source_url=i.source_url,
            format=i.format,
            format_name=FORMAT_WORDS.get(i.format, i.format),
            name=i.name,
            issuer=i.issuer,
            verified=i.verified,
            checks=[
                CheckPublic(check=c.check, status=c.status, message=c.message) for c in i.checks
            ],
            imported_at=i.imported_at,
            verified_at=i.verified_at,
        )


@router.post("", status_code=status.HTTP_201_CREATED)
def create(body: ImportCreate, p: PrincipalDep, c: ContainerDep) -> ImportedPublic:
    """Import a credential by URL (fetched through the guarded client) or as given; it is
    verified as far as its kind allows and kept with every check, verified or not."""
    if (body.url is None) == (body.credential is None):
        raise InvalidInput("Give either 'url' or 'credential'.")
    if body.url is not None:
        return ImportedPublic.of(c.imports.import_url(p, body.url))
    if isinstance(body.credential, str):
        return ImportedPublic.of(c.imports.import_text(p, body.credential))
    return ImportedPublic.of(c.imports.import_text(p, json.dumps(body.credential)))


@router.post("/file", status_code=status.HTTP_201_CREATED)
async def create_from_file(request: Request, p: PrincipalDep, c: ContainerDep) -> ImportedPublic:
    """Import the credential in a file (multipart field ``file``): JSON, a token, or a baked
    PNG or SVG badge."""
    form = await request.form(max_files=1, max_fields=2)
    upload = form.get("file")
    if upload is None or isinstance(upload, str):
        raise InvalidInput("Attach the file as a multipart field named 'file'.")
    data = await upload.read()
    return ImportedPublic.of(await run_in_threadpool(c.imports.import_file, p, data))


@router.get("")
def list_(p: PrincipalDep, c: ContainerDep) -> list[ImportedPublic]:
    """Your imported credentials, newest first."""
    return [ImportedPublic.of(i) for i in c.imports.list(p)]


@router.post("/{imported_id}/verify")
def reverify(imported_id: str, p: PrincipalDep, c: ContainerDep) -> ImportedPublic:
    """Verify an import again."""
    return ImportedPublic.of(c.imports.reverify(p, imported_id))


@router.delete("/{imported_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete(imported_id: str, p: PrincipalDep, c: ContainerDep) -> Response:
    """Remove an import from your wallet."""
    c.imports.delete(p, imported_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
