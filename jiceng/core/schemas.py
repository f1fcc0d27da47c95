"""Schemas every API router shares. One class per name: the OpenAPI document names schemas by
class name alone, so a second `Error` elsewhere would replace this one there."""

from __future__ import annotations

from ninja import Schema


class Error(Schema):
    """What every refused request answers: the reason in Chinese, and per field when known."""

    detail: str
    fields: dict[str, str] | None = None
