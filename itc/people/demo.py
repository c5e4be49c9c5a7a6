"""The demo's people: published accounts and tokens for `itc demo` only (they protect
nothing), and the demo's administrator, so `itc users` can be tried at once."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from itc.people.access_log import Channel
from itc.people.models import AddPersonInput
from itc.people.service import People

DEMO_PASSWORD = "demo password, never for real data"


@dataclass(frozen=True)
class DemoPerson:
    person_id: str
    full_name: str
    roles: tuple[str, ...]
    token: str


DEMO_PEOPLE: tuple[DemoPerson, ...] = (
    DemoPerson("demo.operations", "Dana Operations", ("operations",), "itc_de00000000000001_demo-operations-token"),
    DemoPerson("demo.lab", "Lale Lab", ("lab",), "itc_de00000000000002_demo-lab-token-value"),
    DemoPerson("demo.supervisor", "Sima Supervisor", ("supervisor",), "itc_de00000000000003_demo-supervisor-token"),
    DemoPerson("demo.admin", "Arash Administrator", ("administrator",), "itc_de00000000000004_demo-admin-token-value"),
)


async def ensure_demo_people(pool: asyncpg.Pool) -> None:
    """Create the demo accounts and register their published tokens, once per database."""
    people = People.on(pool)
    for demo in DEMO_PEOPLE:
        if await people.accounts.get(demo.person_id) is None:
            data = AddPersonInput(
                person_id=demo.person_id, full_name=demo.full_name, roles=list(demo.roles), password=DEMO_PASSWORD
            )
            await people.accounts.add(data, actor_id="bootstrap", channel=Channel.BOOTSTRAP)
        await people.tokens.install_known(
            demo.token, demo.person_id, label="demo", days=30, actor_id="bootstrap", channel=Channel.BOOTSTRAP
        )
