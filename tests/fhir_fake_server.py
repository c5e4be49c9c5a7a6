"""A small in-process FHIR server for adapter tests (stdlib http.server in a thread).

It parses every body with fhir.resources for its FHIR version, so a resource
the adapters build wrongly is refused with 400, as a strict server would.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, unquote, urlsplit

import fhir.resources
import fhir.resources.R4B


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    resource: Any  # the parsed fhir.resources model, or None for GET


@dataclass
class FakeFhirState:
    version: str
    received: list[Received] = field(default_factory=list)
    resources: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    # Status to answer every request with instead of handling it (e.g. 400, 503).
    fail_with: int | None = None
    # Day the "remote scheduler" moves new appointments to, as an ISO instant.
    reschedule_start: str | None = None
    next_id: int = 1
    lock: threading.Lock = field(default_factory=threading.Lock)

    def model(self, resource_type: str):
        module = fhir.resources.R4B if self.version == "R4B" else fhir.resources
        return module.get_fhir_model_class(resource_type)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass

    def do_POST(self) -> None:
        self._handle("POST")

    def do_GET(self) -> None:
        self._handle("GET")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def _handle(self, method: str) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        parts = [p for p in url.path.split("/") if p][1:]  # drop the "fhir" base segment
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        resource = None
        if body:
            try:
                resource = state.model(parts[0]).model_validate_json(body)
            except Exception as err:
                self._send(400, _outcome("structure", str(err)[:200]))
                return
        with state.lock:
            state.received.append(Received(method, url.path, dict(self.headers.items()), resource))
            if state.fail_with is not None:
                self._send(state.fail_with, _outcome("transient" if state.fail_with >= 500 else "invalid", "forced"))
                return
            if method == "POST":
                self._create(parts[0], resource)
            elif method == "GET":
                self._search(parts[0], parse_qs(url.query))
            else:
                self._update(parts[0], parts[1], resource)

    def _create(self, resource_type: str, resource: Any) -> None:
        state = self.server.state
        condition = self.headers.get("If-None-Exist", "")
        wanted = unquote(condition.removeprefix("identifier="))
        store = state.resources.setdefault(resource_type, {})
        for existing in store.values():
            if any(f"{i['system']}|{i['value']}" == wanted for i in existing.get("identifier", [])):
                self._send(200, existing)
                return
        data = resource.model_dump(mode="json")
        data["id"] = str(state.next_id)
        data["meta"] = {"versionId": "1"}
        state.next_id += 1
        if resource_type == "Appointment" and state.reschedule_start:
            data["start"] = state.reschedule_start
        store[data["id"]] = data
        self._send(201, data, location=f"http://{self.headers['Host']}/fhir/{resource_type}/{data['id']}/_history/1")

    def _search(self, resource_type: str, params: dict[str, list[str]]) -> None:
        state = self.server.state
        matches = [r for r in state.resources.get(resource_type, {}).values() if _matches(r, params)]
        bundle = {
            "resourceType": "Bundle",
            "type": "searchset",
            "total": len(matches),
            "entry": [{"resource": r, "search": {"mode": "match"}} for r in matches],
        }
        self._send(200, bundle)

    def _update(self, resource_type: str, resource_id: str, resource: Any) -> None:
        state = self.server.state
        current = state.resources[resource_type][resource_id]
        if self.headers.get("If-Match") != f'W/"{current["meta"]["versionId"]}"':
            self._send(412, _outcome("conflict", "version mismatch"))
            return
        data = resource.model_dump(mode="json")
        data["meta"] = {"versionId": str(int(current["meta"]["versionId"]) + 1)}
        state.resources[resource_type][resource_id] = data
        self._send(200, data)

    def _send(self, status: int, body: dict[str, Any], location: str | None = None) -> None:
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/fhir+json")
        self.send_header("Content-Length", str(len(payload)))
        if location:
            self.send_header("Location", location)
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: FakeFhirState) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.state = state


def _matches(resource: dict[str, Any], params: dict[str, list[str]]) -> bool:
    """The search parameters the adapters use: patient, status, identifier (system|value, or
    system| for any value in it) and start (a day: the resource starts on it)."""
    first = {name: values[0] for name, values in params.items()}
    if "patient" in first and not any(
        p.get("actor", {}).get("reference") == first["patient"] for p in resource.get("participant", [])
    ):
        return False
    if "status" in first and resource["status"] != first["status"]:
        return False
    if "identifier" in first:
        system, _, value = first["identifier"].partition("|")
        if not any(i["system"] == system and value in ("", i["value"]) for i in resource.get("identifier", [])):
            return False
    return "start" not in first or str(resource.get("start", "")).startswith(first["start"])


def _outcome(code: str, diagnostics: str) -> dict[str, Any]:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": diagnostics}],
    }


class FakeFhirServer:
    def __init__(self, version: str) -> None:
        self.state = FakeFhirState(version=version)
        self._server = _Server(self.state)
        # A short poll interval keeps shutdown (once per test) from adding half a second.
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.02,), daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/fhir/"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
