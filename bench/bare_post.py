"""The baseline of bench_intake.py: a bare Django POST that inserts one row, served by the same
granian command as the project. Its own settings and URLconf, no project code: one view, the
request's form parsed, one INSERT in a transaction, a small JSON answer.

    BARE_DB=/path/bare.sqlite3 granian --interface wsgi ... bare_post:application
"""

from __future__ import annotations

import os
import sqlite3

import django
from django.conf import settings

DB = os.environ.get("BARE_DB", "bench/out/bare.sqlite3")

if not settings.configured:
    settings.configure(
        DEBUG=False,
        SECRET_KEY="bench-only-not-a-secret",
        ALLOWED_HOSTS=["127.0.0.1", "localhost"],
        ROOT_URLCONF=__name__,
        MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
        INSTALLED_APPS=[],
        USE_TZ=True,
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": DB,
                "CONN_MAX_AGE": 600,
                # The project's own SQLite options (config/settings/base.py).
                "OPTIONS": {
                    "transaction_mode": "IMMEDIATE",
                    "timeout": 20,
                    "init_command": (
                        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                        "PRAGMA foreign_keys=ON; PRAGMA cache_size=-65536; "
                        "PRAGMA temp_store=MEMORY;"
                    ),
                },
            }
        },
    )
    django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.http import HttpRequest, JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402


def create_table() -> None:
    with sqlite3.connect(DB) as db:
        db.execute(
            "CREATE TABLE IF NOT EXISTS bare_row "
            "(id INTEGER PRIMARY KEY, description TEXT NOT NULL, lat REAL, lon REAL)"
        )


def post_one(request: HttpRequest) -> JsonResponse:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bare_row (description, lat, lon) VALUES (%s, %s, %s)",
            [
                request.POST.get("description", ""),
                float(request.POST.get("lat", 0)),
                float(request.POST.get("long", 0)),
            ],
        )
        row_id = cursor.lastrowid
    return JsonResponse([{"service_request_id": str(row_id)}], safe=False)


urlpatterns = [path("requests.json", post_one)]
application = get_wsgi_application()
