"""The ASGI app: the JSON API under /api (OpenAPI at /openapi.json, browsable at /docs)
and the dashboard pages, over one Temporal client and one event-store pool.

The API is the routers in API_ROUTERS; a new concern (such as a trial-level view) is
one more module in api/routers/ exposing `router`, passed in `extra_routers` or added to
API_ROUTERS, with its actions in the registry, itc/actions/registry.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from temporalio.client import Client

from itc.api.body_limit import BodyLimit
from itc.api.context import ApiContext
from itc.api.csrf import SameOriginWrites
from itc.api.errors import API_PREFIX, install_error_handlers
from itc.api.pages import (
    access_log_page,
    board,
    oidc_login,
    oidc_signing,
    outcomes,
    participant,
    session,
    signing,
    start,
    worklist,
)
from itc.api.pages import trial as trial_page
from itc.api.pages.session import SESSION_COOKIE
from itc.api.rate_limit import WriteRateLimit
from itc.api.routers import access_log, journeys, people, queries, records, signatures, trial
from itc.api.security_headers import SecurityHeaders
from itc.api.settings import ApiSettings
from itc.api.templating import STATIC_DIR
from itc.base.settings import Settings
from itc.eventstore.refusals import RefusalLog
from itc.eventstore.store import EventStore
from itc.people.oidc import OidcSettings
from itc.people.service import People
from itc.rules.config import ProtocolConfig

API_ROUTERS: tuple[APIRouter, ...] = (
    journeys.router, records.router, queries.router, trial.router, people.router, access_log.router, signatures.router,
)  # fmt: skip
# /participants/new before /participants/{participant_id}.
PAGE_ROUTERS: tuple[APIRouter, ...] = (
    session.router, oidc_login.router, board.router, worklist.router, trial_page.router, start.router,
    participant.router, signing.router, oidc_signing.router, outcomes.router, access_log_page.router,
)  # fmt: skip


def create_app(
    settings: Settings,
    client: Client,
    pool: Any,
    api_settings: ApiSettings,
    *,
    protocol: ProtocolConfig | None = None,
    extra_routers: Sequence[APIRouter] = (),
    oidc: OidcSettings | None = None,
) -> FastAPI:
    app = FastAPIOffline(
        title="iTC journey engine",
        version="1",
        summary="Participant journeys of the iTC trial: start, record staff actions, read status and audit.",
        description=(
            "Authenticate with `Authorization: Bearer <token>`, a personal token from `itc login` "
            "(POST /api/session/token); the person's roles and sites decide what they may do. "
            "Every refusal is a 401, 403 or 422 with a `detail` message."
        ),
        static_url="/static-docs",
    )
    app.state.context = ApiContext(
        client=client,
        store=EventStore(pool),
        people=People.on(pool),
        oidc=oidc or OidcSettings(),
        protocol=protocol or settings.protocol(),
        task_queue=settings.task_queue,
        namespace=settings.temporal_namespace,
        temporal_ui_url=api_settings.temporal_ui_url or (None if settings.temporal_address else settings.ui_url),
        refresh_seconds=api_settings.itc_dashboard_refresh_seconds,
        refusals=RefusalLog(pool),
    )
    install_error_handlers(app)
    for router in (*API_ROUTERS, *extra_routers, *PAGE_ROUTERS):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    install_request_guards(app, api_settings, app.state.context.credential_holder)
    return app


def install_request_guards(
    app: FastAPI, api_settings: ApiSettings, credential_holder: Callable[[str], Awaitable[str | None]]
) -> None:
    """Added innermost first; a request meets them in the opposite order: headers on every
    answer, then the rate limit and the body limit before anything reads the body or
    authenticates, then the same-origin check of the dashboard's writes."""
    app.add_middleware(SameOriginWrites, api_prefix=API_PREFIX)
    app.add_middleware(BodyLimit, max_bytes=api_settings.itc_api_max_body_bytes)
    app.add_middleware(
        WriteRateLimit,
        per_minute=api_settings.itc_api_write_rate_per_minute,
        burst=api_settings.itc_api_write_burst,
        holder=credential_holder,
        token_cookie=SESSION_COOKIE,
    )
    app.add_middleware(SecurityHeaders, served=app)
