"""The first administrator, straight into the database: the one account no one can create
through the API, since creating accounts there needs an administrator already."""

from __future__ import annotations

from itc.base.errors import InvalidInput
from itc.base.settings import Settings
from itc.people.access_log import Channel
from itc.people.models import AddPersonInput
from itc.people.roles import ADMINISTRATOR
from itc.people.service import People
from itc.runtime.database_pool import database_pool


async def create_first_administrator(settings: Settings, person_id: str, full_name: str, password: str) -> None:
    async with database_pool(settings) as pool:
        people = People.on(pool)
        if await people.accounts.has_administrator():
            raise InvalidInput(
                "An administrator already exists: ask them for an account (`itc users add`); bootstrap runs once."
            )
        data = AddPersonInput(person_id=person_id, full_name=full_name, roles=[ADMINISTRATOR], password=password)
        await people.accounts.add(data, actor_id="bootstrap", channel=Channel.BOOTSTRAP)
