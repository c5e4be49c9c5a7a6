"""Files holding PHI or secrets: readable and writable by their owner only (mode 0600).

A file created here is 0600 from its first byte (never created wider and narrowed later). A
file found wider than 0600 is tightened with a warning; where it cannot be tightened (another
user owns it, a read-only mount) it is refused, since a secret others can read is no secret.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from itc.base.errors import UserFacingError
from itc.base.logging import get_logger

log = get_logger(__name__)

PRIVATE_MODE = 0o600
PRIVATE_DIRECTORY_MODE = 0o700


class FileTooOpen(UserFacingError):
    """A secret or PHI file others may read, and this process cannot restrict it."""

    exit_code = 3


def open_to_others(path: Path) -> bool:
    return bool(stat.S_IMODE(path.stat().st_mode) & (stat.S_IRWXG | stat.S_IRWXO))


def ensure_private(path: Path, what: str) -> None:
    """Tighten an existing file to 0600 (a directory to 0700), warning that it was wider."""
    mode = stat.S_IMODE(path.stat().st_mode)
    if not mode & (stat.S_IRWXG | stat.S_IRWXO):
        return
    wanted = PRIVATE_DIRECTORY_MODE if path.is_dir() else PRIVATE_MODE
    try:
        os.chmod(path, wanted)
    except OSError as error:
        raise FileTooOpen(
            f"The {what} at {path} is readable by other users (mode {mode:o}) and cannot be restricted "
            f"({error.strerror}); run `chmod {wanted:o} {path}` as its owner"
        ) from error
    log.warning(
        f"{what} was readable by other users; restricted it", path=str(path), was=f"{mode:o}", now=f"{wanted:o}"
    )


def private_directory(path: Path, what: str) -> Path:
    """Create a 0700 directory (and its parents), or tighten an existing one."""
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIRECTORY_MODE)
    ensure_private(path, what)
    return path


def create_private_file(path: Path, text: str) -> bool:
    """Write `text` to a new 0600 file; False (nothing written) if the file already exists."""
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_MODE)
    except FileExistsError:
        return False
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write(text)
    return True


def touch_private(path: Path, what: str) -> None:
    """Make sure `path` exists as a 0600 file before a process (e.g. a server) writes to it."""
    if not create_private_file(path, ""):
        ensure_private(path, what)
