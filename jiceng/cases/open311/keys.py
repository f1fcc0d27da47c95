"""Open311 API keys: the systems allowed to submit cases (a city app, the 12345 platform).

They are a handful, issued by whoever deploys the platform, so they live in the setting
JICENG_OPEN311_KEYS (`{"name": "key"}`, from the environment as "name:key,..."), not in a
table: no page issues them, and rotating one is a restart. A key shorter than MIN_LENGTH is
never accepted, so a careless "test:1" in the environment opens nothing.
"""

from __future__ import annotations

import hmac

from django.conf import settings

MIN_LENGTH = 16


def client_of(api_key: str) -> str | None:
    """The name of the client holding `api_key`, or None. Every key is compared, in constant
    time, so the answer's timing does not tell how much of a key was right."""
    found = None
    candidate = api_key.encode()
    for name, key in settings.JICENG_OPEN311_KEYS.items():
        if len(key) >= MIN_LENGTH and hmac.compare_digest(candidate, key.encode()):
            found = name
    return found
