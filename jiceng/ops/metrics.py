"""Metrics in the Prometheus text format (prometheus_client), served at `/metrics`.

Two kinds:

- per request, counted by the process that answered it (ops.middleware.RequestMetrics): the
  requests by view name, method and status, and their duration by view name;
- per scrape, read from the database by the process that answers the scrape (DomainCollector):
  open and overdue cases, the task queue, the background heartbeat's age. Each is one indexed
  count or one row; a failing read gives `jiceng_domain_up 0` instead of a failed scrape.

granian runs several worker processes, each with its own counters: a scrape lands on one of
them. With PROMETHEUS_MULTIPROC_DIR set in the environment (an empty directory, emptied at
every start of the web service: systemd's RuntimeDirectory does that), prometheus_client keeps
each process's counters in files there and a scrape sums them over every process
(MultiProcessCollector). Without it, each process answers for itself: fine with one worker.
Only counters and histograms are kept per request, which sum over processes as they should;
the domain gauges are read at scrape time, once, so multiprocess mode needs no gauge mode.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Iterator
from typing import Any

from django.db.models import Min
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

from jiceng.cases.deadlines import overdue_cases
from jiceng.cases.models import Case
from jiceng.cases.workflow import OPEN_STATUSES
from jiceng.core import clock

from . import heartbeats

logger = logging.getLogger(__name__)

CONTENT_TYPE = CONTENT_TYPE_LATEST
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # prometheus_client's own variable

# Pages answer in tens of milliseconds, exports and imports in seconds.
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

REQUESTS = Counter(
    "jiceng_http_requests",
    "HTTP requests answered, by view name, method and status",
    ["view", "method", "status"],
)
DURATION = Histogram(
    "jiceng_http_request_duration_seconds",
    "Time to answer an HTTP request, by view name",
    ["view"],
    buckets=BUCKETS,
)


# The labelled series of each (view, method, status), looked up once: prometheus_client's
# labels() checks its arguments each call, three times the cost of the count itself.
_series: dict[tuple[str, str, int], tuple[Any, Any]] = {}


def record(*, view: str, method: str, status: int, seconds: float) -> None:
    key = (view, method, status)
    series = _series.get(key)
    if series is None:
        series = _series.setdefault(
            key,
            (
                REQUESTS.labels(view=view, method=method, status=str(status)),
                DURATION.labels(view=view),
            ),
        )
    series[0].inc()
    series[1].observe(seconds)


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


class DomainCollector(Collector):
    """The installation's state, read from the database at each scrape."""

    def collect(self) -> Iterator[Metric]:
        try:
            found = list(self._read())
        except Exception:  # a scrape must answer: the failure is a metric and a log line
            logger.exception("metrics: the domain figures could not be read")
            yield _gauge("jiceng_domain_up", "Whether the domain figures could be read", 0)
            return
        yield _gauge("jiceng_domain_up", "Whether the domain figures could be read", 1)
        yield from found

    def _read(self) -> Iterator[Metric]:
        now = clock.now()
        yield _gauge(
            "jiceng_cases_open",
            "Citizen requests (诉求) not yet resolved",
            Case.objects.filter(status__in=OPEN_STATUSES).count(),
        )
        yield _gauge(
            "jiceng_cases_overdue",
            "Open citizen requests past the deadline of their step (as the tick reads them)",
            overdue_cases(now=now).count(),
        )
        yield from self._queue()
        pulse = heartbeats.pulse()
        yield _gauge(
            "jiceng_background_heartbeat_age_seconds",
            "Seconds since a worker last ran the heartbeat the scheduler queues (NaN: never)",
            pulse.age_seconds if pulse.age_seconds is not None else math.nan,
        )

    def _queue(self) -> Iterator[Metric]:
        from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends
        from django_tasks_db.backend import DatabaseBackend
        from django_tasks_db.models import DBTaskResult

        if not isinstance(task_backends[DEFAULT_TASK_BACKEND_ALIAS], DatabaseBackend):
            return
        waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY).order_by()
        figures = waiting.aggregate(oldest=Min("enqueued_at"))
        oldest = figures["oldest"]
        yield _gauge("jiceng_tasks_queued", "Tasks waiting for a worker", waiting.count())
        yield _gauge(
            "jiceng_tasks_oldest_queued_age_seconds",
            "Seconds the oldest waiting task has waited (0: none waits)",
            (clock.now() - oldest).total_seconds() if oldest is not None else 0.0,
        )


def is_multiprocess() -> bool:
    return bool(os.environ.get(MULTIPROCESS_DIR))


def exposition() -> bytes:
    """The text a scrape gets: the request metrics of every process (multiprocess mode) or of
    this one, then the domain figures."""
    if is_multiprocess():
        processes = CollectorRegistry()
        MultiProcessCollector(processes)  # type: ignore[no-untyped-call]
    else:
        processes = REGISTRY
    domain = CollectorRegistry()
    domain.register(DomainCollector())
    return generate_latest(processes) + generate_latest(domain)
