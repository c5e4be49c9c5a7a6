"""Sign-in settings, from the environment like the other settings."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class PeopleSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ITC_", case_sensitive=False, extra="ignore")

    # Consecutive failed sign-ins (or signatures) that lock an account until an administrator
    # resets its password.
    lockout_failures: int = Field(default=5, ge=1, le=100)
    # A dashboard session unused this long ends (21 CFR 11.300(d): unattended sessions).
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    # And no session outlives a working day, used or not.
    session_max_hours: int = Field(default=12, ge=1, le=72)
    token_days: int = Field(default=90, ge=1, le=3650)
