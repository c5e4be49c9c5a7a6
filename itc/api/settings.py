"""Settings of the dashboard and HTTP API, from the environment like runtime.settings.

People sign in with their own accounts (`itc.people`); there are no shared role tokens."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from itc.base.settings import DEV_HOST


class ApiSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    itc_api_host: str = DEV_HOST
    itc_api_port: int = Field(default=8000, ge=0, le=65535)
    # Where staff open a journey in Temporal's UI; the dev server's UI when unset.
    temporal_ui_url: str | None = None
    itc_dashboard_refresh_seconds: int = Field(default=10, ge=1, le=3600)
    # Larger bodies are refused (413) before they are read, parsed or authenticated. The
    # largest real input (a lab panel, a scan with five lesions) is a few kilobytes.
    itc_api_max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Writes (POST, PUT, PATCH, DELETE) per token or dashboard session, refused ones included:
    # a steady rate and the burst allowed on top of it; more gets 429 with Retry-After.
    itc_api_write_rate_per_minute: float = Field(default=240, gt=0)
    itc_api_write_burst: int = Field(default=60, ge=1)

    @field_validator("temporal_ui_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        if isinstance(value, str) and not value.strip():
            return None
        return value
