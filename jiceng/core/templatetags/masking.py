"""core.masking in templates: {% load masking %} {{ case.description|masked_text }}."""

from __future__ import annotations

from django import template

from jiceng.core import masking

register = template.Library()


@register.filter
def masked_text(value: object) -> str:
    """Free text with every ID and phone number in it masked, however written, and every
    e-mail address replaced (core.masking.mask_text); escaped afterwards like any value."""
    return masking.mask_text("" if value is None else str(value))
