pytest_plugins = [
    "jiceng.testing.personas",
    "jiceng.testing.orglife_personas",
    "jiceng.testing.grid_personas",
    "jiceng.testing.cases_personas",
    "jiceng.testing.audit_checkpoints",
]
