"""The house rules of the imports, read from the source as the URL walk reads the URLs: each
dependency points one way, so a module can be changed knowing what it can reach.

- core is the floor: it imports no app of the project;
- a domain module (models, services, queries, workflow …) imports no adapter: no app's API or
  views, nothing of `web` or `config`; adapters (api, views, urls, admin, commands, template
  tags) import the domain, never the other way round;
- the batch sealing of `datasets` (SM4 over whole columns at once, for seeding) stays there:
  everything else seals one value at a time through core.crypto;
- `datasets` (the synthetic data set and the demo) builds on the apps; no app builds on it;
- the organization tree (orgs) imports none of the apps that keep rollups over it (dues,
  development): it tells them of a move through orgs.signals; nor does the member registry
  (members) import orglife, which marks the talks that count: it tells of a member's move
  through members.signals.

Imports inside functions count as well as those at the top of a module; tests and migrations
are left out.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from django.conf import settings

PACKAGE = Path(settings.BASE_DIR) / "jiceng"
DOMAIN_APPS = {
    "accounts",
    "divisions",
    "orgs",
    "members",
    "orglife",
    "transfers",
    "grid",
    "cases",
    "notices",
    "exports",
    "feedback",
    "appraisal",
}
# Modules that face a person or a machine: they may import the API layer and `web`.
ADAPTER_NAMES = {
    *("api", "views", "urls", "admin", "admin_site", "admin_apps", "apps", "render"),
    "panels",  # workbench panels (web.workbench): links for a person, built from queries
}
ADAPTER_FOLDERS = {"management", "templatetags", "open311"}
ADAPTER_LAYERS = ("jiceng.web", "jiceng.config")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def sources() -> Iterator[tuple[str, Path]]:
    for path in sorted(PACKAGE.rglob("*.py")):
        if {"tests", "migrations"} & set(path.parts):
            continue
        yield module_name(path), path


def imports_of(name: str, path: Path) -> set[str]:
    """The absolute names a module imports, anywhere in it ('from . import x' → 'pkg.x')."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return {i for i in found if i.startswith("jiceng")}


def app_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def is_adapter(module: str) -> bool:
    parts = module.split(".")
    leaf = parts[-1]
    return (
        leaf in ADAPTER_NAMES
        or leaf.endswith(("_views", "_urls"))
        or leaf.startswith("views_")
        or bool(ADAPTER_FOLDERS & set(parts[2:]))
    )


def is_adapter_import(target: str) -> bool:
    if target.startswith(ADAPTER_LAYERS):
        return True
    return app_of(target) in DOMAIN_APPS and is_adapter(target) and not target.endswith(".apps")


GRAPH = {name: imports_of(name, path) for name, path in sources()}


def test_the_graph_is_read() -> None:
    assert len(GRAPH) > 150
    assert "jiceng.core.errors" in GRAPH["jiceng.orgs.services"]


def test_core_imports_no_app_of_the_project() -> None:
    wrong = {
        (module, target)
        for module, targets in GRAPH.items()
        if app_of(module) == "core"
        for target in targets
        if app_of(target) not in {"core", ""}
    }
    assert wrong == set()


def test_domain_modules_import_no_adapter() -> None:
    wrong = {
        (module, target)
        for module, targets in GRAPH.items()
        if app_of(module) in DOMAIN_APPS and not is_adapter(module)
        for target in targets
        if is_adapter_import(target)
    }
    assert wrong == set()


def test_only_datasets_uses_the_batch_sealing() -> None:
    wrong = {
        (module, target)
        for module, targets in GRAPH.items()
        if app_of(module) != "datasets"
        for target in targets
        if target.startswith("jiceng.datasets.sealing")
    }
    assert wrong == set()


def test_no_app_builds_on_the_data_set() -> None:
    wrong = {
        (module, target)
        for module, targets in GRAPH.items()
        if app_of(module) in DOMAIN_APPS | {"core", "web"}
        for target in targets
        if app_of(target) == "datasets"
    }
    assert wrong == set()


# Apps that keep rollups over another app's rows and follow its changes by a signal: the tree's
# subtree sums (dues, development; orgs.signals) and the talks that count (orglife;
# members.signals). The app they follow imports none of them.
FOLLOWED_BY = {"orgs": {"dues", "development"}, "members": {"orglife"}}


def test_no_app_imports_the_apps_that_keep_rollups_over_it() -> None:
    wrong = {
        (module, target)
        for module, targets in GRAPH.items()
        for target in targets
        if app_of(target) in FOLLOWED_BY.get(app_of(module), set())
    }
    assert wrong == set()


def modules_imported_by(module: str) -> set[str]:
    """The project's modules `module` imports (a name imported from a module counts for it)."""
    found = set()
    for target in GRAPH[module]:
        while target and target not in GRAPH:
            target = target.rpartition(".")[0]
        if target and target != module:
            found.add(target)
    return found


def test_no_two_modules_import_each_other() -> None:
    """Two modules that need each other have one job split wrongly: the shared piece moves
    down."""
    pairs = {
        tuple(sorted((module, target)))
        for module in GRAPH
        for target in modules_imported_by(module)
        if module in modules_imported_by(target)
    }
    assert pairs == set()


def test_management_commands_are_named_in_one_style() -> None:
    """Lower-case words joined by hyphens, as the README and the Makefile type them
    (`load-divisions`, `create-admin`)."""
    names = [path.stem for path in PACKAGE.glob("*/management/commands/*.py")]
    assert "load-divisions" in names
    assert [n for n in names if n != "__init__" and not re.fullmatch(r"[a-z]+(-[a-z]+)*", n)] == []


def test_the_rules_catch_what_they_forbid() -> None:
    """The checks above would see a breach: the classifiers answer as the rules need."""
    assert is_adapter_import("jiceng.cases.api")
    assert is_adapter_import("jiceng.web.pages")
    assert is_adapter_import("jiceng.orglife.views")
    assert not is_adapter_import("jiceng.cases.services")
    assert is_adapter("jiceng.cases.open311.views")
    assert not is_adapter("jiceng.cases.intake")
    assert "jiceng.cases.models" in modules_imported_by("jiceng.cases.services")
    assert app_of("jiceng.dues.billing") in FOLLOWED_BY[app_of("jiceng.orgs.rollups")]
    assert app_of("jiceng.orglife.talks") in FOLLOWED_BY[app_of("jiceng.members.lifecycle")]
    assert "jiceng.orgs.rollups" in modules_imported_by("jiceng.dues.billing")
