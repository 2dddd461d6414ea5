

pytest_plugins = ["tests.live_server"]
