"""An embedded PostgreSQL initialised once per session, copied into each stack's data directory.

Every real-stack fixture (a dev stack per module, the fault and mutual-TLS stacks) used to run
initdb, harden pg_hba.conf, create the owner and engine roles and apply every migration: most of
its start-up on a loaded machine (about 6-15 s against under a second to start a copy). The
seed is made by the same `embedded_postgres` the dev stack uses, then stopped; each fixture gets
its own copy, so stacks stay as separate as before, and the dev stack finds an existing cluster,
as on any `itc dev` after the first.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from itc.base.settings import Settings
from itc.runtime.devstack import apply_migrations, embedded_postgres


async def make_seed(data_dir: Path) -> Path:
    """Initialise, bootstrap and migrate an embedded PostgreSQL under `data_dir`, then stop it."""
    settings = Settings(temporal_address=None, database_url=None, itc_data_dir=data_dir, itc_protocol_file=None)
    async with embedded_postgres(settings) as database:
        await apply_migrations(database.owner_url)
    return data_dir


def copy_seed(seed: Path, data_dir: Path) -> None:
    """The seed's cluster and role passwords into `data_dir` (which may already exist).

    `cp -a` because the cluster's files must keep their owner and modes: PostgreSQL refuses a
    data directory it does not own or that others may read, and when the tests run as root the
    embedded server runs as a user of its own."""
    subprocess.run(["cp", "-a", f"{seed}/.", str(data_dir)], check=True)
