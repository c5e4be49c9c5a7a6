"""What every request needs, built once by create_app and kept on app.state."""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from fastapi import Request
from temporalio.client import Client

from itc.eventstore.store import EventStore
from itc.models.roles import Role
from itc.rules.config import ProtocolConfig


@dataclass(frozen=True)
class ApiContext:
    client: Client
    store: EventStore
    tokens: dict[str, Role]
    protocol: ProtocolConfig
    task_queue: str
    namespace: str
    temporal_ui_url: str | None
    refresh_seconds: int

    def temporal_link(self, workflow_id: str) -> str | None:
        if not self.temporal_ui_url:
            return None
        return f"{self.temporal_ui_url.rstrip('/')}/namespaces/{self.namespace}/workflows/{workflow_id}"


def get_context(request: Request) -> ApiContext:
    return cast(ApiContext, request.app.state.context)
