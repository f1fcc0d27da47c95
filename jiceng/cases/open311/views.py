"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under /open311/v2/.

Thin: parse, call catalogue / listing / intake, answer in the format the path names.
GETs are public; POST requests needs an API key (403 without) and is rate limited per client
address (JICENG_RATES["open311"]). Refusals follow the spec: a list of {code, description}
with the status 400, 403 or 404.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from jiceng.accounts import throttle
from jiceng.accounts.access import public
from jiceng.cases.models import Case
from jiceng.core.errors import DomainError, InvalidInput

from . import catalogue, intake, keys, listing, render

PUBLIC = "Open311 公开接口：服务目录和公开的诉求进度，不含诉求人信息"
SUBMIT = "Open311 公开接口：提交诉求须持 API 密钥，并按来源地址限流"
CHANGESET = "2026-11-29T00:00:00+08:00"
KEY_REFUSED = "API 密钥无效或缺失（api_key）"


def _answering_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Turns a refused operation into the spec's error list, in the path's format."""

    def answering(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except InvalidInput as exc:
            messages = list(dict.fromkeys(exc.fields.values())) if exc.fields else []
            return render.errors(fmt, 400, [exc.message] if len(messages) < 2 else messages)
        except DomainError as exc:
            return render.errors(fmt, exc.status, [exc.message])

    answering.__name__ = view.__name__
    answering.__doc__ = view.__doc__
    answering.__wrapped__ = view  # type: ignore[attr-defined]
    return answering


@public(PUBLIC)
@_answering_errors
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"}))
    body = {
        "changeset": CHANGESET,
        "contact": "12345 政务服务便民热线",
        "key_service": "API 密钥由平台的系统管理员发放",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base.rsplit("/", 1)[0],
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render.answer(fmt, body, root="discovery", item="", single=True)


@public(PUBLIC)
@_answering_errors
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    return render.answer(fmt, catalogue.services(), root="services", item="service")


@public(PUBLIC)
@_answering_errors
def service_definition(request: HttpRequest, *, fmt: str, code: str) -> HttpResponse:
    body = catalogue.definition(code)
    return render.answer(fmt, body, root="service_definition", item="", single=True)


def _request_list(cases: list[Case], fmt: str) -> HttpResponse:
    rows = [listing.request_row(c) for c in cases]
    return render.answer(fmt, rows, root="service_requests", item="request")


@public(SUBMIT)
@csrf_exempt
@_answering_errors
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET: the requests the filters choose. POST: a new case (form-encoded)."""
    if request.method == "POST":
        # The shared anonymous rate (accounts.throttle), counted before the key is looked at
        # so that keys cannot be guessed at speed; answered in the spec's error format.
        retry_after = throttle.over_rate("open311", request)
        if retry_after is not None:
            refused = render.errors(fmt, 429, [throttle.wait_text(retry_after)])
            return throttle.refusing(refused, retry_after)
        client = keys.client_of(request.POST.get("api_key", ""))
        if client is None:
            return render.errors(fmt, 403, [KEY_REFUSED])
        submitted = intake.submit(intake.Submission.from_form(request.POST), client=client)
        case = submitted.case
        row = {
            "service_request_id": case.number,
            "token": submitted.token,
            "service_notice": f"已受理，{case.get_deadline_class_display()}办结",
            "account_id": None,
        }
        return render.answer(fmt, [row], root="service_requests", item="request")
    if request.method != "GET":
        return render.errors(fmt, 405, ["只接受 GET 和 POST"])
    wanted = listing.parse_filter(request.GET)
    return _request_list(listing.find_requests(wanted), fmt)


@public(PUBLIC)
@_answering_errors
def request_detail(request: HttpRequest, *, fmt: str, request_id: str) -> HttpResponse:
    return _request_list([listing.request_by_id(request_id)], fmt)


@public(PUBLIC)
@_answering_errors
def token(request: HttpRequest, *, fmt: str, token_id: str) -> HttpResponse:
    """The request a POST's token stands for (here every request has its id at once)."""
    case = listing.case_by_token(token_id)
    row = {"service_request_id": case.number, "token": token_id}
    return render.answer(fmt, [row], root="service_requests", item="request")
