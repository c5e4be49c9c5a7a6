pytest_plugins = [
    "fixtures_codec",
    "fixtures_pg",
    "fixtures_temporal",
    "fixtures_logging",
    "fixtures_devstack",
    "fixtures_api",
    "fixtures_faults",
]
