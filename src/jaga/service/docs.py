"""The API's documentation pages (/docs: Swagger UI, /redoc: ReDoc) with their scripts, styles and
favicon served by the service itself.

FastAPI's own pages load Swagger UI and ReDoc from a CDN (and ReDoc its fonts from Google), so on a
machine without internet, as moderation deployments often are, /docs was a blank page. The assets
come from the `fastapi-offline` package (MIT; it ships the swagger-ui-dist 5 bundle, Apache-2.0, and
ReDoc 2's standalone bundle, MIT), kept up to date by its maintainer rather than vendored here."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
ASSETS_URL = "/docs-assets"
REDOC_POLICY = ("default-src 'self'; script-src 'self' blob:; worker-src 'self' blob:; "
                "style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:")


def install_docs(app: FastAPI) -> None:
    """Serve /docs and /redoc from local assets. `app` must be built with docs_url=None and
    redoc_url=None, so that FastAPI's CDN-backed pages do not take these paths first."""
    assert app.openapi_url is not None and app.docs_url is None and app.redoc_url is None
    openapi_url = app.openapi_url
    oauth2_redirect_url = app.swagger_ui_oauth2_redirect_url or "/docs/oauth2-redirect"
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="docs-assets")
    # validatorUrl: Swagger UI would otherwise send the document to validator.swagger.io for a badge.
    parameters = {**(app.swagger_ui_parameters or {}), "validatorUrl": None}

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(openapi_url=f"{root}{openapi_url}", title=f"{app.title} - Swagger UI",
                                   oauth2_redirect_url=f"{root}{oauth2_redirect_url}",
                                   swagger_js_url=f"{root}{ASSETS_URL}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{root}{ASSETS_URL}/swagger-ui.css",
                                   swagger_favicon_url=f"{root}{ASSETS_URL}/favicon.png",
                                   swagger_ui_parameters=parameters)

    @app.get(oauth2_redirect_url, include_in_schema=False)
    async def swagger_ui_redirect() -> HTMLResponse:
        return get_swagger_ui_oauth2_redirect_html()

    @app.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        page = get_redoc_html(openapi_url=f"{root}{openapi_url}", title=f"{app.title} - ReDoc",
                              redoc_js_url=f"{root}{ASSETS_URL}/redoc.standalone.js",
                              redoc_favicon_url=f"{root}{ASSETS_URL}/favicon.png", with_google_fonts=False)
        # ReDoc's "powered by" badge loads its logo from cdn.redoc.ly: the browser is told to fetch
        # nothing from elsewhere (ReDoc's search runs in a blob: worker, its styles are inline).
        page.headers["Content-Security-Policy"] = REDOC_POLICY
        return page
