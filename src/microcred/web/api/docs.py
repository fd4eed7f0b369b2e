"""The API reference at ``/docs`` (Swagger UI) and ``/redoc`` (Redoc), served entirely from this
server: the viewers' files come from the ``fastapi-offline`` package, the pages and their start-up
scripts from microcred, so they work with no internet and under the Content-Security-Policy
(no inline script, nothing from another site)."""

from __future__ import annotations

from importlib import resources

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"

# Redoc injects its styles as <style> elements and renders its search index in a blob: worker,
# so its page alone allows inline styles and blob: workers; scripts stay 'self' only.
REDOC_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "worker-src 'self' blob:; form-action 'none'; frame-ancestors 'none'"
)
SWAGGER_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def _page(title: str, head: str, body: str, policy: str) -> HTMLResponse:
    html = (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title}</title>\n{head}</head>\n<body>\n{body}</body>\n</html>\n"
    )
    return HTMLResponse(html, headers={"Content-Security-Policy": policy})


def install_api_docs(app: FastAPI) -> None:
    """Serve ``/docs`` and ``/redoc`` for ``app``'s OpenAPI document, offline."""
    spec = app.openapi_url or "/openapi.json"
    viewers = resources.files("fastapi_offline").joinpath("static")
    app.mount(ASSETS, StaticFiles(directory=str(viewers)), name="api-docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        """Swagger UI: try the API from the browser."""
        return _page(
            f"{app.title} API — Swagger UI",
            f'<link rel="stylesheet" href="{ASSETS}/swagger-ui.css">\n'
            f'<link rel="icon" href="{ASSETS}/favicon.png">\n',
            f'<div id="swagger-ui" data-spec="{spec}"></div>\n'
            f'<script src="{ASSETS}/swagger-ui-bundle.js"></script>\n'
            '<script src="/static/docs/swagger-start.js"></script>\n',
            SWAGGER_POLICY,
        )

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        """Redoc: the API reference to read."""
        return _page(
            f"{app.title} API — Redoc",
            f'<link rel="icon" href="{ASSETS}/favicon.png">\n',
            f'<div id="redoc" data-spec="{spec}"></div>\n'
            f'<script src="{ASSETS}/redoc.standalone.js"></script>\n'
            '<script src="/static/docs/redoc-start.js"></script>\n',
            REDOC_POLICY,
        )
