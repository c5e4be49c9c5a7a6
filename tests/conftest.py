import sys

import pytest
from markers import marks_for, timeout_for

# With bytecode writing turned off (PYTHONDONTWRITEBYTECODE, which some container images set),
# pytest rewrites the asserts of every test module again on every run: under load that was
# most of the collection's 35 s. Rewritten modules are cached in tests/__pycache__ as pytest
# does by default; the source is still checked against the cache on every run.
sys.dont_write_bytecode = False

pytest_plugins = [
    "fixtures_codec",
    "fixtures_pg",
    "fixtures_temporal",
    "fixtures_logging",
    "fixtures_devstack",
    "fixtures_api",
    "fixtures_browser",
    "fixtures_faults",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Marked by the servers a test needs, so that no test file has to remember to.
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        for name in marks_for(item.path.name, fixtures):
            item.add_marker(name)
        if (seconds := timeout_for(fixtures)) and item.get_closest_marker("timeout") is None:
            item.add_marker(pytest.mark.timeout(seconds))
