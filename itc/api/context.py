"""What every request needs, built once by create_app and kept on app.state."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

from fastapi import Request
from temporalio.client import Client

from itc.api.rate_limit import credential_digest
from itc.eventstore.refusals import RefusalLog
from itc.eventstore.store import EventStore
from itc.people.oidc import OidcSettings
from itc.people.service import People
from itc.rules.config import ProtocolConfig


@dataclass(frozen=True)
class ApiContext:
    client: Client
    store: EventStore
    people: People
    protocol: ProtocolConfig
    task_queue: str
    namespace: str
    temporal_ui_url: str | None
    refresh_seconds: int
    refusals: RefusalLog
    oidc: OidcSettings = field(default_factory=OidcSettings)
    # Digests of the tokens and sessions that have authenticated a request, to their holders:
    # the write-rate limit (`itc.api.rate_limit`) keeps a bucket per person.
    known_credentials: dict[str, str] = field(default_factory=dict)

    async def credential_holder(self, credential: str) -> str | None:
        """The person a token or session cookie belongs to, or None; remembered once found."""
        digest = credential_digest(credential)
        if digest in self.known_credentials:
            return self.known_credentials[digest]
        person_id = await self.people.holder_of(credential)
        if person_id is not None:
            self.known_credentials[digest] = person_id
        return person_id

    def temporal_link(self, workflow_id: str) -> str | None:
        if not self.temporal_ui_url:
            return None
        return f"{self.temporal_ui_url.rstrip('/')}/namespaces/{self.namespace}/workflows/{workflow_id}"


def context_of(request: Request) -> ApiContext:
    return cast(ApiContext, request.app.state.context)


async def get_context(request: Request) -> ApiContext:
    """The dependency: async, so FastAPI runs it on the event loop; a plain function would be
    handed to its thread pool and back on every request, a hop that waits for the GIL under load."""
    return context_of(request)
