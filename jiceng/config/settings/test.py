"""Settings for the test suite: fast hashing, fixed keys, a throwaway database."""

from __future__ import annotations

import os

os.environ.setdefault("JICENG_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault(
    "JICENG_FIELD_KEYS", "2:00112233445566778899aabbccddeeff,1:ffeeddccbbaa99887766554433221100"
)
os.environ.setdefault("JICENG_INDEX_KEY", "0f" * 32)
os.environ.setdefault("JICENG_AUDIT_KEY", "a5" * 32)
# Text messages are kept in memory (notices.sms.LocmemBackend.outbox), as e-mail is in
# django.core.mail.outbox.
os.environ.setdefault("JICENG_SMS_BACKEND", "jiceng.notices.sms.LocmemBackend")

from .base import *  # noqa: F403
from .base import DATABASES, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
DATABASES["default"]["CONN_MAX_AGE"] = 0
DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
if DATABASES["default"]["ENGINE"] == "jiceng.core.sqlite":
    # In memory, said so explicitly: pytest-django recognises an unnamed test database as in
    # memory only under Django's own engine name, and would give each xdist worker a file.
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
# Serve static files from the apps, as the development server does: no collectstatic in tests.
WHITENOISE_AUTOREFRESH = True
# Tasks run at once, in the test's own thread and transaction: the real code, no worker.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
