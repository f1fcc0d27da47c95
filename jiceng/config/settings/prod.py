"""Production: every secret from the environment, secure cookies, HTTPS assumed."""

from __future__ import annotations

import os

for required in ("JICENG_SECRET_KEY", "JICENG_FIELD_KEYS", "JICENG_INDEX_KEY"):
    if not os.environ.get(required):
        raise RuntimeError(f"{required} must be set in production")

from .base import *  # noqa: E402,F403

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
