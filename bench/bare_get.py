"""The baseline of bench_stations.py `page`: a bare Django GET, served by the same granian
command as the project. Its own settings and URLconf, no project code: one view that reads
the query string, one indexed SELECT of a few rows, and a small HTML answer.

    BARE_DB=/path/bare.sqlite3 granian --interface wsgi ... bare_get:application
"""

from __future__ import annotations

import os
import sqlite3

import django
from django.conf import settings

DB = os.environ.get("BARE_DB", "bench/out/bare-get.sqlite3")

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
                "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
            }
        },
    )
    django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.http import HttpRequest, HttpResponse  # noqa: E402
from django.urls import path  # noqa: E402


def create_table() -> None:
    with sqlite3.connect(DB) as db:
        db.execute("CREATE TABLE IF NOT EXISTS bare_place (id INTEGER PRIMARY KEY, name TEXT)")
        if not db.execute("SELECT 1 FROM bare_place LIMIT 1").fetchone():
            db.executemany(
                "INSERT INTO bare_place (name) VALUES (?)", [(f"驿站{i}",) for i in range(1000)]
            )


def get_some(request: HttpRequest) -> HttpResponse:
    lon = float(request.GET.get("lon", 0))
    first = int(abs(lon) * 1000) % 990
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, name FROM bare_place WHERE id > %s LIMIT 5", [first])
        rows = cursor.fetchall()
    items = "".join(f"<li>{name}</li>" for _, name in rows)
    return HttpResponse(f"<!doctype html><ol>{items}</ol>")


urlpatterns = [path("stations/", get_some)]
application = get_wsgi_application()
