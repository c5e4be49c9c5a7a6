"""The two database roles the engine's PostgreSQL is used through.

The owner runs migrations and owns every table; the engine (worker, API, dashboard, CLI
read-outs) connects as a role that may only do what `privileges.sql` grants it.
"""

from __future__ import annotations

OWNER_ROLE = "itc_owner"
ENGINE_ROLE = "itc_engine"
