"""How personal data is shown outside the permission-gated detail view."""

from __future__ import annotations


def mask_id_number(value: str) -> str:
    """First 6 and last 4 characters: 320113********1234."""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """First 3 and last 4 digits: 138****5678."""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
