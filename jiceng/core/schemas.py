"""Schemas every API router shares. One class per name: the OpenAPI document names schemas by
class name alone, so a second `Error` elsewhere would replace this one there."""

from __future__ import annotations

from typing import Annotated

from ninja import Path, Schema

# The largest id an API accepts: JavaScript's safe integers, so no client rounds one.
MAX_ID = 2**53
# An object's id in a URL path.
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


class Error(Schema):
    """What every refused request answers: the reason in Chinese, and per field when known."""

    detail: str
    fields: dict[str, str] | None = None
