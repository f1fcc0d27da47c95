"""Open311 GeoReport v2 (http://wiki.open311.org/GeoReport_v2) under /open311/v2/.

Thin: parse, call catalogue / listing / intake, answer in the format the path names.
GETs are public; POST requests needs an API key (403 without; in the form or, as the published
swagger sends it, the query string) and is rate limited per client address
(JICENG_RATES["open311"]) and per issued key (its own rate). Every answer that is not the
resource follows the spec: a list of {code, description}, in the format asked for (JSON when
it is neither .json nor .xml), with the status 400, 403, 404, 405 (and Allow) or 429.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from jiceng.accounts import throttle
from jiceng.accounts.access import public
from jiceng.core import clock
from jiceng.core.errors import DomainError, InvalidInput

from ..links import feedback_path
from ..queries import case_by_token
from . import catalogue, intake, keys, listing, render

PUBLIC = "Open311 公开接口：服务目录和公开的诉求进度，不含诉求人信息"
SUBMIT = "Open311 公开接口：提交诉求须持 API 密钥，并按来源地址和密钥限流"
KEY_REFUSED = "API 密钥无效或缺失（api_key）"
NO_SUCH_RESOURCE = (
    "没有这个接口：Open311 GeoReport v2 有 discovery、services、services/{service_code}、"
    "requests、requests/{service_request_id} 和 tokens/{token}，格式为 .json 或 .xml"
)
EMPTY_CATALOGUE = "1970-01-01T08:00:00+08:00"
READ = ("GET", "HEAD")

Answer = Callable[..., HttpResponse]


def _endpoint(*methods: str) -> Callable[[Answer], Answer]:
    """An Open311 resource taking `methods`: another method answers 405 with Allow, and a
    refused operation the spec's error list, both in the path's format."""
    allow = ", ".join(methods)

    def decorate(view: Answer) -> Answer:
        @functools.wraps(view)
        def answering(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if request.method not in methods:
                refused = render.errors(fmt, 405, [f"该接口只接受 {allow}"])
                refused["Allow"] = allow
                return refused
            try:
                return view(request, *args, fmt=fmt, **kwargs)
            except InvalidInput as exc:
                messages = list(dict.fromkeys(exc.fields.values())) if exc.fields else []
                return render.errors(fmt, 400, [exc.message] if len(messages) < 2 else messages)
            except DomainError as exc:
                return render.errors(fmt, exc.status, [exc.message])

        return answering

    return decorate


@public(PUBLIC)
@_endpoint(*READ)
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    base = request.build_absolute_uri(reverse("open311:discovery", kwargs={"fmt": "json"}))
    changed = catalogue.changed_at()
    # To the microsecond: two changes within a second are two changesets.
    changeset = changed.astimezone(clock.CHINA).isoformat() if changed else EMPTY_CATALOGUE
    body = {
        "changeset": changeset,
        "contact": "12345 政务服务便民热线",
        "key_service": "API 密钥由平台的系统管理员发放",
        "endpoints": [
            {
                "specification": "http://wiki.open311.org/GeoReport_v2",
                "url": base.rsplit("/", 1)[0],
                "changeset": changeset,
                "type": "production",
                "formats": ["application/json", "text/xml"],
            }
        ],
    }
    return render.answer(fmt, body, root="discovery", item="", single=True)


@public(PUBLIC)
@_endpoint(*READ)
def service_list(request: HttpRequest, *, fmt: str) -> HttpResponse:
    return render.answer(fmt, catalogue.services(), root="services", item="service")


@public(PUBLIC)
@_endpoint(*READ)
def service_definition(request: HttpRequest, *, fmt: str, code: str) -> HttpResponse:
    body = catalogue.definition(code)
    return render.answer(fmt, body, root="service_definition", item="", single=True)


def _request_list(found: listing.Found, fmt: str) -> HttpResponse:
    rows = [listing.request_row(c) for c in found.cases]
    return render.answer(fmt, rows, root="service_requests", item="request")


def _fields(request: HttpRequest) -> QueryDict:
    """A POST's fields: the query string's (where the published swagger puts them, api_key
    too) and the form's, the form's winning where both name a field."""
    if not request.GET:
        return request.POST  # the usual form alone, not copied (every intake)
    fields = request.GET.copy()
    for name, values in request.POST.lists():
        fields.setlist(name, values)
    return fields


def _submit(request: HttpRequest, fmt: str) -> HttpResponse:
    # The shared anonymous rate (accounts.throttle), counted before the key is looked at
    # so that keys cannot be guessed at speed; answered in the spec's error format.
    retry_after = throttle.over_rate("open311", request)
    if retry_after is not None:
        return throttle.refusing(
            render.errors(fmt, 429, [throttle.wait_text(retry_after)]), retry_after
        )
    fields = _fields(request)
    holder = keys.holder_of(fields.get("api_key", ""))
    if holder is None:
        return render.errors(fmt, 403, [KEY_REFUSED])
    retry_after = keys.over_key_rate(holder)
    if retry_after is not None:
        return throttle.refusing(
            render.errors(fmt, 429, [throttle.wait_text(retry_after)]), retry_after
        )
    submitted = intake.submit(intake.Submission.from_form(fields), client=holder.name)
    case, token, feedback_key = submitted.case, submitted.token, submitted.feedback_key
    row = {
        "service_request_id": case.number,
        # Reads the progress (tokens/{token}, the progress page) and may be shown to anyone.
        "token": token,
        "service_notice": f"已受理，{case.get_deadline_class_display()}办结",
        "account_id": None,
        # Not the spec's: the reporter's own secret for rating the result, to be handed to
        # the reporter alone (in the page of feedback_url, or the API's track feedback).
        "feedback_key": feedback_key,
        "feedback_url": request.build_absolute_uri(feedback_path(token, feedback_key)),
    }
    return render.answer(fmt, [row], root="service_requests", item="request")


@public(SUBMIT)
@csrf_exempt
@_endpoint(*READ, "POST")
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    """GET: a page of the requests the filters choose. POST: a new case (form-encoded)."""
    if request.method == "POST":
        return _submit(request, fmt)
    wanted = listing.parse_filter(request.GET)
    found = listing.find_requests(wanted)
    answer = _request_list(found, fmt)
    if found.has_more:
        following = request.GET.copy()
        following["page"] = str(wanted.page + 1)
        following["page_size"] = str(wanted.page_size)
        url = request.build_absolute_uri(request.path) + "?" + following.urlencode()
        answer["Link"] = f'<{url}>; rel="next"'
    return answer


@public(PUBLIC)
@_endpoint(*READ)
def request_detail(request: HttpRequest, *, fmt: str, request_id: str) -> HttpResponse:
    case = listing.request_by_id(request_id)
    return _request_list(listing.Found(cases=[case], has_more=False), fmt)


@public(PUBLIC)
@_endpoint(*READ)
def token(request: HttpRequest, *, fmt: str, token_id: str) -> HttpResponse:
    """The request a POST's token stands for (here every request has its id at once)."""
    case = case_by_token(token_id)
    row = {"service_request_id": case.number, "token": token_id}
    return render.answer(fmt, [row], root="service_requests", item="request")


@public(PUBLIC)
@csrf_exempt
def unknown(request: HttpRequest, rest: str) -> HttpResponse:
    """Any other path under /open311/v2/ (another resource, or another format than .json and
    .xml): the spec's 404, in XML when the path asks for it, else in JSON."""
    fmt = render.XML if rest.endswith(".xml") else render.JSON
    return render.errors(fmt, 404, [NO_SUCH_RESOURCE])
