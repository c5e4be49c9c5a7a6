"""Which of the markers declared in pyproject.toml a test gets, from the fixtures it uses.

`pytest -m "not slow"` then runs the tests that need no server and no process of their own:
the rules, the models, the journey core, forms, settings, the payload codec, the CLI's
refusals and the replay of committed histories. A test that starts a server or a process
without one of these fixtures (a PostgreSQL in a module fixture of its own, a fresh interpreter
from `subprocess`) says `pytest.mark.slow` itself.
"""

from __future__ import annotations

# The dev server, embedded PostgreSQL and a worker, nothing mocked.
REALSTACK_FIXTURES = frozenset({"stack", "fault_stack", "mtls_stack"})
# Debian's Chromium through Playwright.
BROWSER_FIXTURES = frozenset({"browser"})
# A server or process of the test's own, or one shared by the session that journeys run
# months on: each test takes seconds, not milliseconds.
SERVER_FIXTURES = frozenset(
    {
        "workflow_env",
        "isolated_workflow_env",
        "shared_server",
        "pg_server_dsn",
        "quick_results",  # `python -m bench --quick` in a subprocess
    }
)


# pytest-timeout's limit (pyproject.toml) covers a test and the fixtures it sets up. These
# fixtures alone can take longer on a loaded machine; their tests get this limit instead.
LONG_SETUP_FIXTURES = frozenset({"quick_results"})  # its subprocess may take up to 300 s
LONG_TIMEOUT_SECONDS = 480


def timeout_for(fixtures: set[str]) -> int | None:
    """A longer pytest-timeout limit for the test, or None for the default."""
    return LONG_TIMEOUT_SECONDS if fixtures & LONG_SETUP_FIXTURES else None


def marks_for(module: str, fixtures: set[str]) -> list[str]:
    """The marker names for a test in `module` (a file name) that uses `fixtures` (their closure)."""
    marks: list[str] = []
    if fixtures & REALSTACK_FIXTURES:
        marks.append("realstack")
    if fixtures & BROWSER_FIXTURES or module == "test_dashboard_browser.py":
        marks.append("browser")
    if marks or fixtures & SERVER_FIXTURES:
        marks.append("slow")
    return marks
