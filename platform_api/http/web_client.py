"""The web client: the built single-page application served by the platform itself.

What no API route matches falls through to it: a file of the build (hashed assets, cached for a
year), else, for a page request outside the API, the application's index page, so that a deep
link such as ``/courses/<id>`` opens the client, which routes it. The API's own misses (anything
under ``/api/``, and every method but GET and HEAD) keep their JSON 404.
"""

import logging
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Receive, Scope, Send

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
PAGE_METHODS = frozenset({"GET", "HEAD"})
# Vite names the files under assets/ by their content hash: a new build has new names.
SERVICE_WORKER = "sw.js"
IMMUTABLE = "public, max-age=31536000, immutable"


class WebClient:
    """ASGI fallback of the router: the client's files and pages, else ``not_found``."""

    def __init__(self, dist: Path, not_found: ASGIApp) -> None:
        self.index = dist / "index.html"
        self.files = StaticFiles(directory=dist)
        self.not_found = not_found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        is_page = scope["type"] == "http" and scope["method"] in PAGE_METHODS
        if not is_page or path.startswith(API_PREFIX) or path == API_PREFIX.rstrip("/"):
            await self.not_found(scope, receive, send)
            return
        response = await self._response(path.lstrip("/"), scope)
        await response(scope, receive, send)

    async def _response(self, path: str, scope: Scope) -> Response:
        if path:
            try:
                response = await self.files.get_response(path, scope)
            except HTTPException:  # no such file: one of the client's own routes
                pass
            else:
                if path.startswith("assets/"):
                    response.headers["Cache-Control"] = IMMUTABLE
                elif path == SERVICE_WORKER:  # a new build's worker must replace the old one
                    response.headers["Cache-Control"] = "no-cache"
                return response
        # Always revalidated: it names the current build's assets.
        return FileResponse(self.index, headers={"Cache-Control": "no-cache"})


def serve_web_client(router_default: ASGIApp, dist: Path) -> ASGIApp:
    """The router's fallback with the web client in front, when it is built."""
    if not (dist / "index.html").is_file():
        logger.warning(
            "web client not built: / answers 404 (run `make web`)", extra={"dist": str(dist)}
        )
        return router_default
    return WebClient(dist, router_default)
