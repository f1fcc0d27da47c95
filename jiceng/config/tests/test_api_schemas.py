"""Ninja names each schema in /api/v1/openapi.json by its class name alone, so two different
classes of one name across the apps' api modules silently replace each other in the document
(an operation then shows another's body). Same name, same shape, or rename one."""

from __future__ import annotations

import json
from collections import defaultdict

from ninja import Schema

from jiceng.config.api import api


def all_subclasses(cls: type) -> list[type]:
    found: list[type] = []
    sub: type
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(all_subclasses(sub))
    return found


def test_schemas_of_one_name_have_one_shape() -> None:
    api.get_openapi_schema()  # every router imported
    shapes: dict[str, set[str]] = defaultdict(set)
    for cls in all_subclasses(Schema):
        if cls.__module__.startswith("jiceng."):
            schema = cls.model_json_schema()  # type: ignore[attr-defined]
            schema.pop("title", None)
            schema.pop("description", None)
            shapes[cls.__name__].add(json.dumps(schema, sort_keys=True))
    clashes = {name: len(found) for name, found in shapes.items() if len(found) > 1}
    assert clashes == {}
