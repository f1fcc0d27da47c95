"""The endpoints of the machines that watch the installation: liveness, readiness, metrics.

They answer before any other middleware (ops.middleware.ProbeMiddleware): a load balancer
probes a web process by its address, over plain HTTP, without a session, so neither the host
check nor the HTTPS redirect may turn its probe away. They build no link and set no cookie."""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_safe

from jiceng.accounts.access import public

from . import checks, guard, metrics

logger = logging.getLogger(__name__)

NO_STORE = {"Cache-Control": "no-store"}


@public("存活探测：负载均衡和 systemd 看进程是否还在，不读数据库，不含任何数据")
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    return JsonResponse({"status": "ok"}, headers=NO_STORE)


@public("就绪探测：负载均衡看本进程能否接活（数据库可连、迁移已全部执行），只回答是否就绪")
@require_safe
def readyz(request: HttpRequest) -> HttpResponse:
    """503 when the database does not answer or a migration is pending: the balancer sends
    nothing here then. The background work (scheduler and worker) is reported, not failed
    on: it does not make this process unable to answer pages, and taking every web process
    out of the balancer because the worker stopped would take the whole site down with it;
    the metrics and their alert watch it (jiceng_background_heartbeat_age_seconds)."""
    found = checks.readiness()
    if found.pending_migrations:
        logger.warning("readiness: migrations pending: %s", ", ".join(found.pending_migrations))
    background = "unknown"
    age = None
    if found.background is not None:
        age = found.background.age_seconds
        if not found.background.checked:
            background = "off"
        else:
            background = "stale" if found.background.stale else "ok"
    body = {
        "status": "ready" if found.ready else "not_ready",
        "database": found.database,
        "migrations": "ok" if not found.pending_migrations else "pending",
        "pending_migrations": len(found.pending_migrations),
        "background": background,
        "background_heartbeat_age_seconds": round(age, 1) if age is not None else None,
    }
    return JsonResponse(body, status=200 if found.ready else 503, headers=NO_STORE)


@public("Prometheus 抓取指标：只对 JICENG_METRICS_ALLOW 中的地址（及 JICENG_METRICS_TOKEN）开放")
@require_safe
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not guard.may_read_metrics(request):
        return HttpResponse(
            "403: this address may not read the metrics (JICENG_METRICS_ALLOW)\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    return HttpResponse(metrics.exposition(), content_type=metrics.CONTENT_TYPE, headers=NO_STORE)
