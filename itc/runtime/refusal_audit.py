"""The refusal log for a command that talks to Temporal directly (`itc record`): the event
store is opened only when there is a refusal to write."""

from __future__ import annotations

from itc.base.settings import Settings
from itc.models.inputs import RecordRefusedActionInput


class StoreRefusalLog:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    async def record(self, participant_id: str, refusal: RecordRefusedActionInput) -> None:
        from itc.eventstore.refusals import RefusalLog
        from itc.runtime.database_pool import database_pool

        async with database_pool(self._settings) as pool:
            await RefusalLog(pool).record(participant_id, refusal)
