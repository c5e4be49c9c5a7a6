"""Debian's nginx as a TLS-terminating gRPC proxy that requires a client certificate.

The dev server has no TLS of its own, so this stands where a production frontend's TLS listener
would: TLS with HTTP/2 negotiated by ALPN (which gRPC clients insist on; stunnel offers no ALPN,
hence nginx), `ssl_verify_client on` against the client CA, and `grpc_pass` on to the dev server
in clear over loopback. nginx completes the handshake for a client without a valid certificate
and then answers every call with 400, logging why; the client sees the call fail.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from itc.runtime.devstack import die_with_parent, stop_process

NGINX = Path("/usr/sbin/nginx")
START_TIMEOUT_SECONDS = 15.0
# Longer than Temporal's long polls (about a minute), so the proxy never cuts a poll short.
GRPC_TIMEOUT = "300s"


def nginx_binary() -> Path | None:
    found = shutil.which("nginx")
    if found:
        return Path(found)
    return NGINX if NGINX.exists() else None


@dataclass(frozen=True)
class ProxyFiles:
    server_cert: Path
    server_key: Path
    client_ca: Path


def nginx_config(directory: Path, listen_port: int, upstream: str, files: ProxyFiles) -> str:
    # Everything nginx writes stays in `directory`: no root-owned /var paths, no daemon.
    temp_paths = "\n".join(
        f"  {kind}_temp_path {directory / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""daemon off;
master_process off;
worker_processes 1;
pid {directory / "nginx.pid"};
error_log {directory / "error.log"} info;
events {{ worker_connections 512; }}
http {{
  access_log {directory / "access.log"};
{temp_paths}
  server {{
    listen 127.0.0.1:{listen_port} ssl http2;
    ssl_certificate {files.server_cert};
    ssl_certificate_key {files.server_key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_client_certificate {files.client_ca};
    ssl_verify_client on;
    ssl_verify_depth 1;
    grpc_read_timeout {GRPC_TIMEOUT};
    grpc_send_timeout {GRPC_TIMEOUT};
    client_body_timeout {GRPC_TIMEOUT};
    location / {{
      grpc_pass grpc://{upstream};
    }}
  }}
}}
"""


@dataclass
class TlsProxy:
    process: subprocess.Popen[bytes]
    directory: Path
    address: str

    @property
    def error_log(self) -> str:
        return (self.directory / "error.log").read_text(errors="replace")

    @property
    def access_log(self) -> str:
        path = self.directory / "access.log"
        return path.read_text(errors="replace") if path.exists() else ""

    async def stop(self) -> None:
        await stop_process(self.process)


async def start_tls_proxy(
    binary: Path, directory: Path, listen_port: int, upstream: str, files: ProxyFiles
) -> TlsProxy:
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "nginx.conf"
    config.write_text(nginx_config(directory, listen_port, upstream, files))
    log = (directory / "nginx.out").open("ab")
    process = subprocess.Popen(
        [str(binary), "-p", str(directory), "-c", str(config), "-e", str(directory / "error.log")],
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=die_with_parent if sys.platform == "linux" else None,
        env={**os.environ},
    )
    log.close()
    proxy = TlsProxy(process, directory, f"127.0.0.1:{listen_port}")
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while not _listening(listen_port):
        if process.poll() is not None:
            output = (directory / "nginx.out").read_text(errors="replace")
            raise RuntimeError(f"nginx exited with code {process.returncode}: {output}{proxy.error_log}")
        if time.monotonic() > deadline:
            await proxy.stop()
            raise RuntimeError(f"nginx did not listen on {listen_port} within {START_TIMEOUT_SECONDS:.0f} s")
        await asyncio.sleep(0.05)
    return proxy


def _listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0
