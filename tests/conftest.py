pytest_plugins = ["fixtures_pg", "fixtures_temporal", "fixtures_logging", "fixtures_devstack", "fixtures_api"]
