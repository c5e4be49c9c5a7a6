"""The dashboard and API served on their own Temporal client and event-store pool."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager

from fastapi import FastAPI

from itc.api.settings import ApiSettings
from itc.base.http_serving import serving as serve_app
from itc.base.settings import Settings
from itc.rules.config import ProtocolConfig
from itc.runtime.database_pool import database_pool
from itc.runtime.temporal_client import connect


def serving(app: FastAPI, host: str, port: int, *, access_log: bool = False) -> AbstractAsyncContextManager[str]:
    """Serve the dashboard and API until the block exits; yields its base URL."""
    return serve_app(app, host, port, what="dashboard", port_setting="ITC_API_PORT", access_log=access_log)


@contextlib.asynccontextmanager
async def dashboard(
    settings: Settings,
    api_settings: ApiSettings,
    protocol: ProtocolConfig,
    *,
    host: str | None = None,
    port: int | None = None,
    access_log: bool = False,
) -> AsyncIterator[str]:
    """The app on its own Temporal client and event-store pool, served until the block exits."""
    from itc.api.app import create_app

    client = await connect(settings)
    async with database_pool(settings) as pool:
        app = create_app(settings, client, pool, api_settings, protocol=protocol)
        async with serving(
            app,
            host or api_settings.itc_api_host,
            api_settings.itc_api_port if port is None else port,
            access_log=access_log,
        ) as url:
            yield url
