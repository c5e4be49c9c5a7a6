"""`itc keys show|rotate|activate`: the payload encryption keyring (IDs only, never keys)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from itc.base.settings import Settings
from itc.cli.context import load_settings
from itc.cli.errors import fail, fail_with
from itc.crypto.keyring import (
    Keyring,
    KeyringError,
    configured_keyring_file,
    read_keyring_file,
    resolve_keyring,
    write_keyring_file,
)

app = typer.Typer(
    help=(
        "The payload encryption keyring: one active key encrypts, every listed key decrypts. Needs the "
        "keyring directly: run it on the operator's machine."
    ),
    no_args_is_help=True,
)


def keyring_text(keyring: Keyring) -> str:
    lines = [f"Keyring  {keyring.source}", f"Active   {keyring.active_id}", "Keys"]
    lines += [f"  {key_id}{'  (active)' if key_id == keyring.active_id else ''}" for key_id in keyring.key_ids]
    return "\n".join(lines)


def _managed_file(settings: Settings) -> Path:
    if settings.itc_codec_keys is not None:
        # The environment's copy is not ours to change, and a changed file would be shadowed by it.
        fail(
            "The keyring comes from ITC_CODEC_KEYS, which this command cannot change: rotate where that "
            "value is kept, or keep the keyring in a file (ITC_CODEC_KEYS_FILE) and run this again",
            code=2,
        )
    return configured_keyring_file(settings)


@app.command("show")
def show() -> None:
    """Where the keyring comes from, the active key's ID and every key ID."""
    settings = load_settings()
    try:
        keyring = resolve_keyring(settings)
    except KeyringError as error:
        fail_with(error)
    typer.echo(keyring_text(keyring))


@app.command("rotate")
def rotate(
    activate: Annotated[
        bool,
        typer.Option(
            "--activate/--no-activate",
            help="Make the new key the one that encrypts (default). --no-activate only adds it, for "
            "rolling it out to every process before `itc keys activate`.",
        ),
    ] = True,
) -> None:
    """Add a new 256-bit key (creating the keyring file if there is none); old keys stay to decrypt."""
    settings = load_settings()
    path = _managed_file(settings)
    try:
        if path.exists():
            previous = read_keyring_file(path)
            keyring = previous.rotated(activate=activate)
            write_keyring_file(path, keyring, replace=True)
            (added,) = set(keyring.keys) - set(previous.keys)
        else:
            keyring = Keyring.generate(source=f"keyring file {path}")
            write_keyring_file(path, keyring, replace=False)
            added = keyring.active_id
    except KeyringError as error:
        fail_with(error)
    except OSError as error:
        fail(f"Cannot write the keyring file {path}: {error.strerror or error}", code=2)
    typer.echo(keyring_text(keyring))
    typer.echo("Restart every worker, client and codec server on this keyring so they all hold the new key.")
    if keyring.active_id != added:
        typer.echo(f"Once they have, make it the key that encrypts: itc keys activate {added}")


@app.command("activate")
def activate(key_id: Annotated[str, typer.Argument(help="The ID of a key already in the keyring.")]) -> None:
    """Make a key already in the keyring the one that encrypts."""
    settings = load_settings()
    path = _managed_file(settings)
    try:
        keyring = read_keyring_file(path).activated(key_id)
        write_keyring_file(path, keyring, replace=True)
    except KeyringError as error:
        fail_with(error)
    except OSError as error:
        fail(f"Cannot write the keyring file {path}: {error.strerror or error}", code=2)
    typer.echo(keyring_text(keyring))
