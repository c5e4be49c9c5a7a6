"""Regenerate the dashboard screenshots in docs/screenshots/ from a real run.

    .venv/bin/python docs/make_screenshots.py

Runs the dashboard's browser tests (Playwright with Debian's Chromium, on a real dev stack:
Temporal dev server, embedded PostgreSQL, worker), which save a screenshot at each step
under test-artifacts/dashboard/, then copies the ones the README shows into
docs/screenshots/. Nothing is drawn by hand: a page that changes changes its picture here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARTIFACTS = REPO / "test-artifacts" / "dashboard"
TARGET = REPO / "docs" / "screenshots"
TESTS = ("tests/test_dashboard_browser.py", "tests/test_dashboard_coordinator_browser.py")
SHOWN = ("cohort-board", "trial-page", "participant-lab-values", "worklist")


def main() -> int:
    for name in SHOWN:
        (ARTIFACTS / f"{name}.png").unlink(missing_ok=True)  # a stale picture must not pass for a new one
    env = {**os.environ, "PYTEST_DEBUG_TEMPROOT": str(REPO / ".pytest-tmp")}
    (REPO / ".pytest-tmp").mkdir(exist_ok=True)
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *TESTS], cwd=REPO, env=env)
    if run.returncode != 0:
        print("the browser tests failed; docs/screenshots left as they were", file=sys.stderr)
        return run.returncode
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in SHOWN:
        shutil.copyfile(ARTIFACTS / f"{name}.png", TARGET / f"{name}.png")
        print(f"docs/screenshots/{name}.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
