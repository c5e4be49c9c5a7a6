"""A staff machine signed in (`itc login` has stored a token 0600) whose API is not running: the
offline CLI tests check what a command says before it sends anything, which needs a sign-in now
that staff commands refuse without one."""

from __future__ import annotations

from pathlib import Path

from itc.base.private_files import create_private_file
from itc.runtime.devstack import free_port

OFFLINE_PERSON = "nurse.offline"


def signed_in_offline(tmp_path: Path) -> dict[str, str]:
    """ITC_TOKEN_FILE holding a token as `itc login` writes it, and ITC_API_URL at a port nothing
    listens on, so a command that did reach for the API would fail with exit 3."""
    token_file = tmp_path / "itc-login" / "token"
    token_file.parent.mkdir(mode=0o700)
    create_private_file(token_file, f"itc_0ff1ine000000000_not-a-real-token\n{OFFLINE_PERSON}\n")
    return {"ITC_TOKEN_FILE": str(token_file), "ITC_API_URL": f"http://127.0.0.1:{free_port()}"}
