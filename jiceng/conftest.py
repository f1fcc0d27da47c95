pytest_plugins = ["jiceng.testing.personas"]
