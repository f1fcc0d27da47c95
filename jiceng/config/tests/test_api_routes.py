"""Every path of the API reaches its own operation, whatever its parameters hold.

Django resolves a URL by the first pattern that matches, and ninja's `{case_id}` becomes a
`<case_id>` that takes any segment: /cases/{case_id}/dispatch, declared before
/cases/track/{token}, answered GET /cases/track/dispatch (a well-formed token) with its 405. An
integer id is declared `{int:case_id}`, so no word reaches it. This test fills each text
parameter with every literal segment of the API (and each integer one with 1) and checks that
the URL resolves to the path it was made from.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from django.urls import Resolver404, resolve

from jiceng.config.api import api

PARAMETER = re.compile(r"{(\w+)}")


def _path_parameters(operations: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        parameter["name"]: parameter.get("schema", {})
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "path"
    }


def test_no_path_of_the_api_is_shadowed_by_another() -> None:
    paths: dict[str, dict[str, Any]] = api.get_openapi_schema()["paths"]
    words = sorted(
        {segment for path in paths for segment in path.split("/") if segment and "{" not in segment}
    )
    shadowed: list[str] = []
    for path, operations in paths.items():
        schemas = _path_parameters(operations)
        names = PARAMETER.findall(path)
        values = [
            ["1"] if schemas.get(name, {}).get("type") == "integer" else [*words, "abcdefgh12"]
            for name in names
        ]
        for chosen in itertools.product(*values):
            url = path
            for name, value in zip(names, chosen, strict=True):
                url = url.replace("{" + name + "}", value, 1)
            try:
                route = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", resolve(url).route)
            except Resolver404:
                route = "nothing (404)"
            if route != path:
                shadowed.append(f"{url}: meant for {path}, reaches {route}")
    assert len(paths) > 100
    assert not shadowed, "\n".join(shadowed)
