"""Accounts, tokens, sessions and signatures over one pool, as the API and the CLI use them."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg

from itc.people.accounts import Accounts
from itc.people.sessions import Sessions
from itc.people.settings import PeopleSettings
from itc.people.signatures import Signatures
from itc.people.tokens import TokenRefused, Tokens
from itc.people.trial_signatures import TrialSignatures


@dataclass(frozen=True)
class People:
    pool: asyncpg.Pool
    settings: PeopleSettings
    accounts: Accounts
    tokens: Tokens
    sessions: Sessions
    signatures: Signatures
    trial_signatures: TrialSignatures

    @classmethod
    def on(cls, pool: asyncpg.Pool, settings: PeopleSettings | None = None) -> People:
        settings = settings or PeopleSettings()
        accounts = Accounts(pool, lockout_failures=settings.lockout_failures)
        return cls(
            pool=pool,
            settings=settings,
            accounts=accounts,
            tokens=Tokens(pool, accounts),
            sessions=Sessions(
                pool, accounts, idle_minutes=settings.session_idle_minutes, max_hours=settings.session_max_hours
            ),
            signatures=Signatures(pool),
            trial_signatures=TrialSignatures(pool),
        )

    async def holder_of(self, credential: str) -> str | None:
        """Whose valid personal token or live session this is, without touching either."""
        try:
            person, _ = await self.tokens.person_for(credential)
        except TokenRefused:
            return await self.sessions.holder_of(credential)
        return person.person_id
