"""What an administrator sends to manage accounts, and what an account looks like outside
the database (never its password hash or TOTP secret)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from itc.models.inputs import ActorId, Code
from itc.models.text import SingleLineText
from itc.people.roles import check_roles


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AddPersonInput(_Input):
    person_id: ActorId
    full_name: SingleLineText = Field(min_length=2, max_length=200)
    roles: list[str]
    sites: list[Code] = Field(default_factory=list, description="Empty: every site.")
    password: str | None = Field(default=None, description="None for a person who signs in only through OIDC.")

    _roles = field_validator("roles")(classmethod(lambda cls, value: check_roles(value)))


class SetRolesInput(_Input):
    roles: list[str]

    _roles = field_validator("roles")(classmethod(lambda cls, value: check_roles(value)))


class SetSitesInput(_Input):
    sites: list[Code]


class ResetPasswordInput(_Input):
    password: str


class PasswordSignIn(_Input):
    person_id: ActorId
    password: str
    totp_code: str | None = None


class Person(BaseModel):
    """An account as the API and the CLI show it."""

    person_id: str
    full_name: str
    roles: list[str]
    sites: list[str]
    disabled: bool
    locked: bool
    totp_enrolled: bool
    created_at: datetime

    def covers_site(self, site: str) -> bool:
        return not self.sites or site in self.sites
