"""Mutual TLS to Temporal, for real: the dev server behind Debian's nginx terminating TLS and
requiring a client certificate (tests/grpc_tls_proxy.py), with certificates this module makes.

The worker (`python worker.py`, the production entry point, reading the TEMPORAL_TLS_* settings
from its environment) and a client connect through the proxy with certificates from the client
CA and run a journey step whose event reaches PostgreSQL. A client with no certificate, one whose
certificate another CA signed, one speaking plaintext, and a worker with no certificate are all
refused; and a client that does not trust the server's CA refuses the server.

Certificate checks as RFC 8446 §4.4.2 (TLS 1.3 Certificate) and RFC 5280 §6 (path validation)
define them; nginx and rustls implement them, the test shows they are switched on.

Without nginx these tests skip, except under CI=true, where they fail: .ci/run installs it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fixtures_devstack import fresh_participant
from fixtures_faults import REPO, FaultStack, WorkerProcess, compressed_protocol
from grpc_tls_proxy import ProxyFiles, TlsProxy, nginx_binary, start_tls_proxy
from tls_certificates import issue, make_ca

from itc.base.errors import TemporalUnreachable
from itc.base.settings import Settings
from itc.drivers.staff_actions import GOOD_SCREENING_LABS, STAFF, lab_results
from itc.models.enums import EventType
from itc.runtime.devstack import (
    apply_migrations,
    embedded_postgres,
    free_port,
    start_temporal_process,
    stop_process,
    wait_for_temporal,
)
from itc.runtime.temporal_client import connect, ensure_search_attributes

IN_CI = os.environ.get("CI") == "true"
NGINX = nginx_binary()
# The name on the frontend's certificate; the client asks for it by SNI and checks it
# (TEMPORAL_TLS_SERVER_NAME), as it would behind a load balancer whose address differs.
SERVER_NAME = "temporal.itc.test"

pytestmark = pytest.mark.skipif(
    NGINX is None and not IN_CI,
    reason="Debian's nginx is not installed (apt-get install nginx; .ci/run does): no TLS proxy for the dev server",
)


@dataclass
class Pki:
    server_ca: Path
    worker: tuple[Path, Path]
    client: tuple[Path, Path]
    other_ca_client: tuple[Path, Path]
    other_ca: Path


def make_pki(directory: Path) -> tuple[Pki, ProxyFiles]:
    directory.mkdir()
    server_ca, client_ca, other_ca = make_ca("iTC test server CA"), make_ca("iTC test client CA"), make_ca("other CA")
    for name, ca in (("server-ca", server_ca), ("client-ca", client_ca), ("other-ca", other_ca)):
        (directory / f"{name}.pem").write_bytes(ca.cert_pem)
    server_cert, server_key = issue(server_ca, SERVER_NAME, server_names=(SERVER_NAME,)).write(directory, "frontend")
    pki = Pki(
        server_ca=directory / "server-ca.pem",
        worker=issue(client_ca, "itc-worker").write(directory, "worker"),
        client=issue(client_ca, "itc-api").write(directory, "api"),
        # Same subject as a real client, signed by a CA the proxy does not trust.
        other_ca_client=issue(other_ca, "itc-api").write(directory, "impostor"),
        other_ca=directory / "other-ca.pem",
    )
    return pki, ProxyFiles(server_cert, server_key, directory / "client-ca.pem")


@dataclass
class MtlsStack:
    stack: FaultStack
    proxy: TlsProxy
    pki: Pki

    def client_settings(self, cert: tuple[Path, Path] | None, server_ca: Path | None = None) -> Settings:
        tls = {
            "temporal_tls_client_cert_path": cert[0] if cert else None,
            "temporal_tls_client_key_path": cert[1] if cert else None,
            "temporal_tls_server_ca_cert_path": server_ca or self.pki.server_ca,
            "temporal_tls_server_name": SERVER_NAME,
        }
        return self.stack.settings.model_copy(update=tls)


def tls_environment(pki: Pki, cert: tuple[Path, Path] | None) -> dict[str, str]:
    env = {"TEMPORAL_TLS_SERVER_CA_CERT_PATH": str(pki.server_ca), "TEMPORAL_TLS_SERVER_NAME": SERVER_NAME}
    if cert:
        env |= {"TEMPORAL_TLS_CLIENT_CERT_PATH": str(cert[0]), "TEMPORAL_TLS_CLIENT_KEY_PATH": str(cert[1])}
    return env


@pytest.fixture(scope="module")
async def mtls_stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[MtlsStack]:
    if NGINX is None:
        pytest.fail("CI=true but nginx is missing: .ci/run must install Debian's nginx")
    data_dir = tmp_path_factory.mktemp("itc-mtls")
    pki, proxy_files = make_pki(data_dir / "pki")
    protocol_file = data_dir / "protocol-compressed.json"
    protocol_file.write_text(compressed_protocol().model_dump_json(indent=2), encoding="utf-8")
    dev_settings = Settings(
        temporal_address=None,
        database_url=None,
        itc_data_dir=data_dir,
        dev_temporal_port=free_port(),
        dev_ui_port=free_port(),
        task_queue=f"mtls-{uuid.uuid4().hex[:8]}",
        itc_protocol_file=protocol_file,
    )
    async with embedded_postgres(dev_settings) as database:
        # The worker runs as the engine's role, as in production; setting up is the owner's.
        database_url = database.engine_url
        await apply_migrations(database.owner_url)
        temporal = start_temporal_process(dev_settings, data_dir)
        proxy: TlsProxy | None = None
        worker: WorkerProcess | None = None
        try:
            # Straight to the dev server on loopback, as the operator's setup would be: everything else
            # goes through the proxy.
            direct = await wait_for_temporal(
                dev_settings.effective_temporal_address,
                dev_settings.temporal_namespace,
                temporal,
                data_dir / "temporal.log",
            )
            await ensure_search_attributes(direct, dev_settings.temporal_namespace)
            proxy = await start_tls_proxy(
                NGINX, data_dir / "proxy", free_port(), dev_settings.effective_temporal_address, proxy_files
            )
            settings = dev_settings.model_copy(update={"temporal_address": proxy.address, "database_url": database_url})
            worker = WorkerProcess(
                {
                    **os.environ,
                    "TEMPORAL_ADDRESS": proxy.address,
                    "DATABASE_URL": database_url,
                    "TASK_QUEUE": settings.task_queue,
                    "TEMPORAL_NAMESPACE": settings.temporal_namespace,
                    "ITC_PROTOCOL_FILE": str(protocol_file),
                    "ITC_DATA_DIR": str(data_dir),
                    "LOG_FORMAT": "json",
                    "LOG_LEVEL": "INFO",
                    **tls_environment(pki, pki.worker),
                },
                data_dir / "worker.log",
            )
            stack = FaultStack(
                settings=settings,
                dev_settings=dev_settings,
                data_dir=data_dir,
                protocol=settings.protocol(),
                client=None,  # type: ignore[arg-type]  # set below, over mutual TLS
                worker=worker,
                temporal=temporal,
            )
            mtls = MtlsStack(stack, proxy, pki)
            stack.client = await connect(mtls.client_settings(pki.client))
            await worker.start()
            yield mtls
        finally:
            if worker is not None:
                await worker.stop()
            if proxy is not None:
                await proxy.stop()
            await stop_process(temporal)


async def test_worker_and_client_with_client_certificates_run_a_journey_step(mtls_stack: MtlsStack) -> None:
    """RFC 8446 §4.4.2: both sides present certificates their peer's CA signed, and the journey runs."""
    stack = mtls_stack.stack
    journey = await stack.start(fresh_participant("MTLS"))
    accepted = await journey.update(
        "record_lab_results",
        {
            "actor_id": STAFF,
            "request_id": "req-mtls-labs",
            "results": lab_results(GOOD_SCREENING_LABS, datetime.now(UTC)),
        },
    )
    await journey.idle()
    rows = await stack.event_rows(journey.participant_id)
    stored = [(row["sequence"], row["type"]) for row in rows if row["request_id"] == "req-mtls-labs"]
    assert stored == [(accepted.sequence, EventType.LAB_RESULTS_RECORDED.value)]
    # The worker's polls and the client's calls went through the proxy, over TLS, and were answered.
    access = mtls_stack.proxy.access_log
    assert '"POST /temporal.api.workflowservice.v1.WorkflowService/PollWorkflowTaskQueue HTTP/2.0" 200' in access
    assert '"POST /temporal.api.workflowservice.v1.WorkflowService/UpdateWorkflowExecution HTTP/2.0" 200' in access


async def test_client_without_a_certificate_is_refused(mtls_stack: MtlsStack) -> None:
    """RFC 8446 §4.4.2.4: a server that requires a client certificate refuses a client without one."""
    with pytest.raises(TemporalUnreachable, match="over TLS"):
        await connect(mtls_stack.client_settings(None))
    assert "client sent no required SSL certificate" in mtls_stack.proxy.error_log


async def test_client_certificate_from_another_ca_is_refused(mtls_stack: MtlsStack) -> None:
    """RFC 5280 §6.1: a certificate that does not chain to the trusted client CA is refused,
    even with a subject a real client has."""
    with pytest.raises(TemporalUnreachable, match="over TLS"):
        await connect(mtls_stack.client_settings(mtls_stack.pki.other_ca_client))
    assert "client SSL certificate verify error" in mtls_stack.proxy.error_log


async def test_plaintext_client_is_refused(mtls_stack: MtlsStack) -> None:
    plaintext = mtls_stack.stack.settings.model_copy(update={"temporal_tls": False})
    with pytest.raises(TemporalUnreachable):
        await connect(plaintext)


async def test_client_refuses_a_server_its_ca_did_not_sign(mtls_stack: MtlsStack) -> None:
    """RFC 5280 §6.1, the client's side: a frontend whose certificate is not from the configured
    server CA is not talked to, even holding a valid client certificate."""
    with pytest.raises(TemporalUnreachable, match="over TLS"):
        await connect(mtls_stack.client_settings(mtls_stack.pki.client, server_ca=mtls_stack.pki.other_ca))


async def test_worker_without_a_certificate_exits_refused(mtls_stack: MtlsStack) -> None:
    worker_env = dict(mtls_stack.stack.worker.env)
    for name in ("TEMPORAL_TLS_CLIENT_CERT_PATH", "TEMPORAL_TLS_CLIENT_KEY_PATH"):
        worker_env.pop(name)
    finished = subprocess.run(
        [sys.executable, "worker.py"], cwd=REPO, env=worker_env, capture_output=True, text=True, timeout=60
    )
    assert finished.returncode == TemporalUnreachable.exit_code, finished.stderr[-2000:]
    assert "over TLS" in finished.stderr
    assert "worker started" not in finished.stdout
