"""The ASGI app: the JSON API under /api (OpenAPI at /openapi.json, browsable at /docs)
and the dashboard pages, over one Temporal client and one event-store pool.

The API is the routers in API_ROUTERS; a new concern (such as a trial-level view) is
one more module in api/routers/ exposing `router`, passed in `extra_routers` or added to
API_ROUTERS, with its actions in the registry, itc/actions/registry.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from temporalio.client import Client

from itc.api.context import ApiContext
from itc.api.errors import install_error_handlers
from itc.api.pages import board, participant, session, start
from itc.api.routers import journeys, queries, records, trial
from itc.api.settings import ApiSettings
from itc.api.templating import STATIC_DIR
from itc.base.settings import Settings
from itc.eventstore.store import EventStore
from itc.rules.config import ProtocolConfig

API_ROUTERS: tuple[APIRouter, ...] = (journeys.router, records.router, queries.router, trial.router)
# /participants/new before /participants/{participant_id}.
PAGE_ROUTERS: tuple[APIRouter, ...] = (session.router, board.router, start.router, participant.router)

# Pages load only this site's own files: htmx and the stylesheet; no inline script.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def create_app(
    settings: Settings,
    client: Client,
    pool: Any,
    api_settings: ApiSettings,
    *,
    protocol: ProtocolConfig | None = None,
    extra_routers: Sequence[APIRouter] = (),
) -> FastAPI:
    app = FastAPIOffline(
        title="iTC journey engine",
        version="1",
        summary="Participant journeys of the iTC trial: start, record staff actions, read status and audit.",
        description=(
            "Authenticate with `Authorization: Bearer <token>`; tokens map to the roles "
            "operations, lab and supervisor. Every refusal is a 401, 403 or 422 with a `detail` message."
        ),
        static_url="/static-docs",
    )
    app.state.context = ApiContext(
        client=client,
        store=EventStore(pool),
        tokens=api_settings.token_roles(),
        protocol=protocol or settings.protocol(),
        task_queue=settings.task_queue,
        namespace=settings.temporal_namespace,
        temporal_ui_url=api_settings.temporal_ui_url or (None if settings.temporal_address else settings.ui_url),
        refresh_seconds=api_settings.itc_dashboard_refresh_seconds,
    )
    install_error_handlers(app)
    for router in (*API_ROUTERS, *extra_routers, *PAGE_ROUTERS):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        path = request.url.path
        if not path.startswith(("/api/", "/docs", "/redoc", "/static-docs", "/openapi.json")):
            response.headers.setdefault("Content-Security-Policy", PAGE_CSP)
        if path.startswith("/api/") or response.headers.get("content-type", "").startswith("text/html"):
            # Journey data must not linger in shared caches or the back/forward cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return app
