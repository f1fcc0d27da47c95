"""Production: every secret from the environment, secure cookies, HTTPS assumed."""

from __future__ import annotations

import os

for required in (
    "JICENG_SECRET_KEY",
    "JICENG_FIELD_KEYS",
    "JICENG_INDEX_KEY",
    "JICENG_AUDIT_KEY",
):
    if not os.environ.get(required):
        raise RuntimeError(f"{required} must be set in production")

from .base import *  # noqa: E402,F403
from .base import env_str  # noqa: E402

DEBUG = False
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_SSL_REDIRECT = True
SECURE_HSTS_SECONDS = 31_536_000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# One cache shared by every worker, so that the rate limits of the anonymous endpoints
# (accounts.throttle) count each client once, not once per process. The database cache needs
# its table: `jiceng createcachetable` after `jiceng migrate` at every deployment (idempotent).
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": env_str("JICENG_CACHE_TABLE", "jiceng_cache"),
    }
}
