"""A minimal FHIR REST client: idempotent create, search and update, with error mapping.

Only what the adapters need. Resources are validated with fhir.resources for the
chosen FHIR version before anything is sent, so a malformed resource fails here
rather than on the remote server.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import quote

import fhir.resources
import fhir.resources.R4B
import httpx

from itc.services.errors import ExternalServiceRejected, ExternalServiceUnavailable

FHIR_JSON = "application/fhir+json"
DEFAULT_SYSTEM_BASE = "https://itc-journey.example/fhir"

# 4xx codes that describe a passing condition, not a bad request.
_TRANSIENT_4XX = frozenset({408, 425, 429})


class FhirVersion(StrEnum):
    R5 = "R5"
    R4B = "R4B"


@dataclass(frozen=True)
class CreateResult:
    resource_id: str
    # True when the server matched If-None-Exist and created nothing (HTTP 200).
    duplicate: bool
    body: dict[str, Any] | None


class FhirClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        version: FhirVersion | str = FhirVersion.R5,
        system_base: str = DEFAULT_SYSTEM_BASE,
    ) -> None:
        self._http = http
        self.version = FhirVersion(version)
        self.system_base = system_base.rstrip("/")

    async def aclose(self) -> None:
        await self._http.aclose()

    @property
    def idempotency_system(self) -> str:
        return f"{self.system_base}/NamingSystem/idempotency-key"

    def code_system(self, name: str) -> str:
        return f"{self.system_base}/CodeSystem/{name}"

    def idempotency_identifier(self, key: str) -> dict[str, str]:
        return {"system": self.idempotency_system, "value": key}

    def if_none_exist(self, key: str) -> str:
        return f"identifier={self.idempotency_system}|{quote(key, safe=':-._~')}"

    def validate(self, resource: dict[str, Any]) -> dict[str, Any]:
        """Check the resource against this FHIR version's model and return its JSON form."""
        module = fhir.resources.R4B if self.version is FhirVersion.R4B else fhir.resources
        model = module.get_fhir_model_class(resource["resourceType"])
        valid: dict[str, Any] = model.model_validate(resource).model_dump(mode="json")
        return valid

    async def create(self, resource: dict[str, Any], idempotency_key: str) -> CreateResult:
        """Conditional create: a retry with the same key finds the first resource instead of making another."""
        resource_type = resource["resourceType"]
        response = await self._http.post(
            f"{resource_type}",
            json=self.validate(resource),
            headers={
                "Content-Type": FHIR_JSON,
                "Accept": FHIR_JSON,
                "If-None-Exist": self.if_none_exist(idempotency_key),
                "Prefer": "return=representation",
            },
        )
        _raise_for_status(response, f"create {resource_type}")
        body = _json_or_none(response)
        resource_id = _id_from_location(response.headers.get("Location"), resource_type)
        if resource_id is None and body is not None:
            resource_id = body.get("id")
        if resource_id is None:
            raise ExternalServiceRejected(
                f"create {resource_type} succeeded without a Location or id", status_code=response.status_code
            )
        return CreateResult(resource_id=resource_id, duplicate=response.status_code == 200, body=body)

    async def search(self, resource_type: str, params: dict[str, str]) -> list[dict[str, Any]]:
        """Every matching resource, following the Bundle's next links."""
        found: list[dict[str, Any]] = []
        response = await self._http.get(resource_type, params=params, headers={"Accept": FHIR_JSON})
        while True:
            _raise_for_status(response, f"search {resource_type}")
            bundle = response.json()
            found.extend(
                entry["resource"]
                for entry in bundle.get("entry", [])
                if entry.get("resource", {}).get("resourceType") == resource_type
                # Servers may include OperationOutcome or _include entries; skip them.
                and entry.get("search", {}).get("mode", "match") == "match"
            )
            next_url = next((link["url"] for link in bundle.get("link", []) if link.get("relation") == "next"), None)
            if next_url is None:
                return found
            response = await self._http.get(next_url, headers={"Accept": FHIR_JSON})

    async def update(self, resource: dict[str, Any]) -> None:
        resource_type, resource_id = resource["resourceType"], resource["id"]
        headers = {"Content-Type": FHIR_JSON, "Accept": FHIR_JSON}
        version_id = (resource.get("meta") or {}).get("versionId")
        if version_id:
            # Optimistic locking: do not overwrite a change made since the search.
            headers["If-Match"] = f'W/"{version_id}"'
        response = await self._http.put(f"{resource_type}/{resource_id}", json=self.validate(resource), headers=headers)
        # A version clash is cured by searching again, which a retry does.
        _raise_for_status(response, f"update {resource_type}", transient=frozenset({409, 412}))


def _raise_for_status(response: httpx.Response, action: str, transient: frozenset[int] = frozenset()) -> None:
    status = response.status_code
    if 200 <= status < 300:
        return
    # Issue codes only: diagnostics text may echo back what we sent.
    issues = _issue_codes(response)
    detail = f" ({', '.join(issues)})" if issues else ""
    message = f"FHIR {action} failed with HTTP {status}{detail}"
    if status >= 500 or status in _TRANSIENT_4XX or status in transient:
        raise ExternalServiceUnavailable(message, status_code=status)
    raise ExternalServiceRejected(message, status_code=status)


def _issue_codes(response: httpx.Response) -> list[str]:
    body = _json_or_none(response)
    if not body or body.get("resourceType") != "OperationOutcome":
        return []
    return [str(issue.get("code")) for issue in body.get("issue", []) if issue.get("code")]


def _json_or_none(response: httpx.Response) -> dict[str, Any] | None:
    if not response.content:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _id_from_location(location: str | None, resource_type: str) -> str | None:
    """'…/Appointment/123/_history/1' → '123'."""
    if not location:
        return None
    parts = location.split("?")[0].rstrip("/").split("/")
    for index, part in enumerate(parts[:-1]):
        if part == resource_type:
            return parts[index + 1]
    return None
