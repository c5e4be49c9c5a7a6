"""Wall time of an `itc` command through the HTTP API, as a staff machine runs it: a fresh
`itc status <participant>` process (and `itc whoami`, the lightest command) with a personal
token, against the API served on the bench's stack. The whole process is timed (interpreter
start, imports, the request and the answer), since that is what a person waits for; the
target is half a second."""

from __future__ import annotations

import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.live_context import LiveContext
from bench.live_journey import start_live_journey
from itc.api.app import create_app
from itc.api.server import serving
from itc.api.settings import ApiSettings
from itc.people.access_log import Channel
from itc.people.models import AddPersonInput
from itc.people.service import People
from itc.runtime.database import close_pool, open_pool

TARGET_SECONDS = 0.5
PERSON = "bench.cli"
# Published here, for the bench's throwaway database only.
TOKEN = "itc_be00000000000001_bench-command-line-token"
PARTICIPANT = "BC-00001"


def _run(env: dict[str, str], args: list[str]) -> float:
    started = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, "-m", "itc.cli.entry", *args], env=env, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if finished.returncode != 0:
        raise RuntimeError(f"itc {' '.join(args)} failed: {finished.stderr.strip()}")
    return elapsed


def _figures(command: str, seconds: list[float]) -> dict[str, Any]:
    return {
        "command": command,
        "repeats": len(seconds),
        "median_seconds": round(statistics.median(seconds), 3),
        "max_seconds": round(max(seconds), 3),
    }


async def measure(ctx: LiveContext, repeats: int) -> dict[str, Any]:
    try:
        return await _measure(ctx, repeats)
    except Exception as error:  # a failure here must not cost the other figures
        return {
            "measured": False,
            "note": f"the command could not be timed: {error!r}",
            "target_seconds": TARGET_SECONDS,
        }


async def _measure(ctx: LiveContext, repeats: int) -> dict[str, Any]:
    pool = await open_pool(ctx.stack.database_url)
    try:
        people = People.on(pool)
        if await people.accounts.get(PERSON) is None:
            data = AddPersonInput(person_id=PERSON, full_name="Bench Command Line", roles=["operations"])
            await people.accounts.add(data, actor_id="bootstrap", channel=Channel.BOOTSTRAP)
        await people.tokens.install_known(TOKEN, PERSON, label="bench", days=1, actor_id="bootstrap",
                                          channel=Channel.BOOTSTRAP)  # fmt: skip
        app = create_app(ctx.stack.settings, ctx.client, pool, ApiSettings())
        with tempfile.TemporaryDirectory(prefix="itc-bench-cli-") as home:
            token_file = Path(home) / "token"
            token_file.write_text(f"{TOKEN}\n{PERSON}\n", encoding="utf-8")
            token_file.chmod(0o600)
            await start_live_journey(ctx.client, ctx.journey_queue, PARTICIPANT)
            async with serving(app, "127.0.0.1", 0) as url:
                env = {**os.environ, "ITC_API_URL": url, "ITC_TOKEN_FILE": str(token_file)}
                status = [await asyncio.to_thread(_run, env, ["status", PARTICIPANT]) for _ in range(repeats)]
                whoami = [await asyncio.to_thread(_run, env, ["whoami"]) for _ in range(repeats)]
    finally:
        await close_pool(pool)
    return {
        "measured": True,
        # The figure the target is judged on: a staff command that reads a journey.
        **_figures("itc status <participant>", status),
        "others": [_figures("itc whoami", whoami)],
        "target_seconds": TARGET_SECONDS,
    }
