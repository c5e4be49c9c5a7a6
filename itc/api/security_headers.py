"""Security headers on every answer: pages, the API, /docs, /redoc, /openapi.json, static
files and error pages (including the 413 and 429 answered before routing).

Each kind of page has the narrowest Content-Security-Policy it renders under. The
dashboard loads only this site's files (htmx, the stylesheet) and has no inline script.
Swagger UI (/docs, served offline from fastapi-offline) starts with one inline script:
it is allowed by its SHA-256 hash, taken from the page the app itself serves, so no other
inline script can run there. Swagger UI and ReDoc set inline styles as they render.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI, Request
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
# JSON is never rendered as a page; if it is opened as one, it may load nothing.
DATA_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
# ReDoc renders its search in a worker it starts from a blob.
REDOC_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "worker-src 'self' blob:; frame-ancestors 'none'; base-uri 'none'; object-src 'none'; form-action 'none'"
)
COMMON_HEADERS = {
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


def docs_policy(script_hashes: list[str]) -> str:
    allowed = " ".join(f"'{digest}'" for digest in script_hashes)
    return (
        f"default-src 'self'; script-src 'self' {allowed}; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
        "object-src 'none'; form-action 'self'"
    )


def inline_script_hashes(html: str) -> list[str]:
    return [
        "sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        for script in _INLINE_SCRIPT.findall(html)
    ]


async def swagger_ui_policy(app: FastAPI, root_path: str, docs_path: str = "/docs") -> str:
    """The /docs policy, hashing the inline script of the page the app serves there (which
    names the OpenAPI spec's URL under the root path the app is served at)."""
    route = next(route for route in app.router.routes if getattr(route, "path", None) == docs_path)
    request = Request({"type": "http", "root_path": root_path, "headers": []})
    page = await route.endpoint(request)  # type: ignore[attr-defined]
    return docs_policy(inline_script_hashes(bytes(page.body).decode()))


def policy_for(path: str) -> str:
    """The policy of every path but /docs, whose policy depends on the page (SecurityHeaders)."""
    if path == "/redoc":
        return REDOC_CSP
    if path.startswith("/api/") or path == "/openapi.json":
        return DATA_CSP
    return PAGE_CSP


def apply_security_headers(headers: MutableHeaders, path: str, policy: str) -> None:
    for name, value in COMMON_HEADERS.items():
        headers.setdefault(name, value)
    headers.setdefault("Content-Security-Policy", policy)
    if path.startswith("/api/") or headers.get("content-type", "").startswith("text/html"):
        # Journey data must not linger in shared caches or the back/forward cache.
        headers.setdefault("Cache-Control", "no-store")


class SecurityHeaders:
    """Outermost middleware but one: only unexpected errors (500) are answered outside it,
    and the error handler adds the same headers to those (api/errors.py)."""

    def __init__(self, app: ASGIApp, served: FastAPI) -> None:
        self.app = app
        self.served = served
        self.docs_csp: dict[str, str] = {}  # by root path

    async def policy(self, scope: Scope) -> str:
        path = scope["path"]
        if path != "/docs":
            return policy_for(path)
        root_path = scope.get("root_path", "")
        if root_path not in self.docs_csp:
            # Built on first use: the page is rendered by an async endpoint.
            self.docs_csp[root_path] = await swagger_ui_policy(self.served, root_path)
        return self.docs_csp[root_path]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = await self.policy(scope)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                apply_security_headers(MutableHeaders(scope=message), scope["path"], policy)
            await send(message)

        await self.app(scope, receive, send_with_headers)
