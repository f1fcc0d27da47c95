"""Pages of 红帆驿站. Public, phone first, no sign-in: the riders' finder (nearest open
stations, by the browser's location or a tapped point, filtered by amenity), a station's
page with its need-or-complaint form (a case of 接诉即办 through cases.intake), and the QR's
scan that counts an anonymous visit. Signed in: the registry of a street or community, and
a keeper's phone page for hours and amenities. Thin: queries read, services write."""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import json_script
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods

from jiceng.accounts.access import public, requires
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.accounts.throttle import anonymous_rate
from jiceng.cases import categories
from jiceng.core import clock
from jiceng.core.errors import DomainError, InvalidInput
from jiceng.grid import maps

from . import cards, finder, hours, queries, services
from .models import Amenity, ServiceStation

P = Permission
STATION_PEOPLE = (P.MANAGE_SERVICE_STATIONS, P.KEEP_SERVICE_STATIONS)
MAP_CACHE_SECONDS = 300


def _float(raw: str | None) -> float | None:
    if raw is None or raw == "":
        return None
    try:
        return float(raw)
    except ValueError:
        raise InvalidInput("位置格式不正确", fields={"location": "请重新定位"}) from None


def amenity_choices(selected: list[str]) -> list[dict[str, Any]]:
    return [{"value": a.value, "label": a.label, "checked": a.value in selected} for a in Amenity]


# -- the riders' pages (public) ---------------------------------------------------------------


def found_context(lon: float, lat: float, wanted: list[str]) -> dict[str, Any]:
    """The answer's part of the finder's context (raises the DomainError of a bad point)."""
    found = queries.nearby(lon=lon, lat=lat, amenities=wanted)
    assert found.index is not None
    return {
        "found": found,
        "open_cards": cards.render(found.index, found.open, found.amenities),
        "closed_cards": cards.render(found.index, found.closed, found.amenities),
        "within": queries.distance_text(found.within_m),
        "wanted_labels": "、".join(Amenity(a).label for a in found.amenities),
        "points_script": cards.points_script(found.index, found),
    }


def read_point(request: HttpRequest) -> tuple[float, float] | None:
    lon, lat = _float(request.GET.get("lon")), _float(request.GET.get("lat"))
    if (lon is None) != (lat is None):
        raise InvalidInput("经度和纬度须同时给出", fields={"location": "请重新定位"})
    return None if lon is None or lat is None else (lon, lat)


@public("骑手、快递员等户外劳动者查找附近的红帆驿站，无需登录；只显示公开的驿站信息")
def finder_page(request: HttpRequest) -> HttpResponse:
    """附近驿站: with ?lon=&lat= (the browser's location or a tapped point) the nearest open
    stations with the amenities ticked (?a=water&a=charging). An anonymous rider's answer is
    written by stations.fast, without the site's page machinery; this view answers the
    signed-in and the refused."""
    wanted = request.GET.getlist("a")
    context: dict[str, Any] = {
        "amenities": amenity_choices(wanted),
        "error": None,
        "points_script": json_script(None, "station-points"),
    }
    status = 200
    try:
        point = read_point(request)
        if point is not None:
            context.update(found_context(point[0], point[1], wanted))
    except DomainError as error:
        context["error"] = error
        status = 400
    return render(request, "stations/finder.html", context, status=status)


@public("驿站地图的底图与区划轮廓（公开的地理信息，不含个人信息）")
def finder_map(request: HttpRequest) -> JsonResponse:
    """The finder's map layers: the outlines of the communities that have stations, and
    the basemap if one is set (grid.maps); cached while the stations are unchanged."""
    version = finder.current_version()
    key = f"stations:map:{version}"
    data = cache.get(key)
    if data is None:
        communities = sorted(
            set(ServiceStation.objects.filter(is_active=True).values_list(
                "community_id", flat=True
            ))
        )  # fmt: skip
        data = maps.map_data([], communities=communities)
        cache.set(key, data, MAP_CACHE_SECONDS)
    response = JsonResponse(data)
    response["Cache-Control"] = f"public, max-age={MAP_CACHE_SECONDS}"
    return response


def _need_context(request: HttpRequest, station: Any, error: DomainError | None) -> dict[str, Any]:
    return {
        "station": station,
        "state": queries.state_now(station),
        "week": list(zip(hours.WEEKDAYS, hours.week_texts(station.weekly_hours), strict=True)),
        "walk_url": queries.walk_url(lon=station.lon, lat=station.lat, name=station.name),
        "types": categories.active_types(),
        "subjects": categories.active_subjects(),
        "error": error,
        "fields": getattr(error, "fields", {}) if error else {},
        "form": request.POST if request.method == "POST" else {},
        "visited": request.GET.get("visited") == "1",
        "visits": queries.visits_of(station),
    }


@public("驿站的公开信息；骑手可就地反映需求或投诉（进入接诉即办），按来源地址限流")
@anonymous_rate("citizen_case")
@require_http_methods(["GET", "POST"])
def station_page(request: HttpRequest, pk: int) -> HttpResponse:
    station = queries.public_station(pk)
    if request.method == "POST":
        try:
            submitted = services.submit_need(
                station=station,
                type=categories.type_by_code(request.POST.get("type", "")),
                subject=categories.subject_by_code(request.POST.get("subject", "")),
                description=request.POST.get("description", ""),
                reporter_name=request.POST.get("reporter_name", ""),
                reporter_phone=request.POST.get("reporter_phone", ""),
            )
        except DomainError as error:
            return render(
                request, "stations/station.html", _need_context(request, station, error), status=400
            )
        private = reverse("cases:feedback", args=[submitted.token, submitted.feedback_key])
        return HttpResponseRedirect(private + "?new=1")
    return render(request, "stations/station.html", _need_context(request, station, None))


VISIT_COOKIE = "station_visits"


@public("扫驿站二维码计一次到访（匿名：不记录人和设备），同一浏览器每站每天计一次")
def scan(request: HttpRequest, code: str) -> HttpResponse:
    """The QR's address: counts the visit, then shows the station (a redirect, so that a
    reload does not count again)."""
    station = queries.station_by_code(code)
    today = clock.today().isoformat()
    seen = request.COOKIES.get(VISIT_COOKIE, "")
    day, _, ids = seen.partition(":")
    counted = set(ids.split(",")) if day == today and ids else set()
    response = redirect(reverse("stations:station", args=[station.pk]) + "?visited=1")
    if request.method == "GET" and str(station.pk) not in counted:
        services.record_visit(station=station)
        counted.add(str(station.pk))
        response.set_cookie(
            VISIT_COOKIE,
            f"{today}:{','.join(sorted(counted)[-50:])}",
            max_age=86400,
            samesite="Lax",
            httponly=True,
        )
    response["Cache-Control"] = "no-store"
    return response


def qr_svg(url: str) -> SafeString:
    svg = segno.make(url, error="m").svg_inline(scale=6, dark="#000", light="#fff", title="扫码")
    # segno's own SVG of our own URL: it holds no markup from anyone.
    return mark_safe(svg)  # noqa: S308  # nosec B308 B703


# -- the registry and the keeper (signed in) ----------------------------------------------------


def _input_from_post(post: Any) -> services.StationInput:
    return services.StationInput(
        name=post.get("name", ""),
        address=post.get("address", ""),
        host_unit=post.get("host_unit", ""),
        lon=_float(post.get("lon")),
        lat=_float(post.get("lat")),
        weekly_hours=hours.parse_week([post.get(f, "") for f in hours.WEEKDAY_FIELDS]),
        amenities=post.getlist("amenities"),
        phone=post.get("phone", ""),
        note=post.get("note", ""),
    )


def _form_of(station: Any) -> dict[str, Any]:
    texts = hours.week_texts(station.weekly_hours)
    return {
        "name": station.name,
        "address": station.address,
        "host_unit": station.host_unit,
        "lon": station.lon,
        "lat": station.lat,
        "phone": station.phone,
        "note": station.note,
        **dict(zip(hours.WEEKDAY_FIELDS, texts, strict=True)),
        "amenities": [a.value for a in station.amenity_list],
    }


def _hour_rows(form: dict[str, Any], fields: dict[str, str]) -> list[dict[str, str]]:
    return [
        {"field": f, "label": day, "value": form.get(f, ""), "error": fields.get(f, "")}
        for f, day in zip(hours.WEEKDAY_FIELDS, hours.WEEKDAYS, strict=True)
    ]


def _posted(request: HttpRequest) -> dict[str, Any]:
    form: dict[str, Any] = request.POST.dict()
    form["amenities"] = request.POST.getlist("amenities")
    return form


def _map_of(stations: list[Any]) -> dict[str, Any]:
    data = maps.map_data([], communities=sorted({s.community_id for s in stations}))
    data["stations"] = [
        {"id": s.pk, "name": s.name, "lon": s.lon, "lat": s.lat, "active": s.is_active}
        for s in stations
    ]
    return data


@requires(P.MANAGE_SERVICE_STATIONS)
def registry(request: AuthedRequest) -> HttpResponse:
    """驿站登记: the stations of the user's streets and communities, on a map and listed."""
    stations = list(queries.managed(request.user).select_related("keeper"))
    totals = queries.visit_totals([s.pk for s in stations])
    rows = [
        {"station": s, "state": queries.state_now(s), "visits": totals.get(s.pk, 0)}
        for s in stations
    ]
    return render(request, "stations/registry.html", {"rows": rows, "map_data": _map_of(stations)})


@requires(P.MANAGE_SERVICE_STATIONS)
@require_http_methods(["GET", "POST"])
def register(request: AuthedRequest) -> HttpResponse:
    form: dict[str, Any] = {"amenities": [Amenity.WATER, Amenity.REST, Amenity.CHARGING]}
    fields: dict[str, str] = {}
    if request.method == "POST":
        form = _posted(request)
        try:
            station = services.register_station(
                data=_input_from_post(request.POST), by=request.user
            )
        except InvalidInput as error:
            fields = error.fields
            messages.error(request, error.message)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, f"已登记{station.name}")
            return redirect("stations:edit", station.pk)
    return render(request, "stations/register.html", _edit_context(form, fields, None))


def _edit_context(form: dict[str, Any], fields: dict[str, str], station: Any) -> dict[str, Any]:
    return {
        "form": form,
        "fields": fields,
        "station": station,
        "hour_rows": _hour_rows(form, fields),
        "amenities": amenity_choices(form.get("amenities", [])),
        "map_data": _map_of([station] if station else []),
    }


@requires(P.MANAGE_SERVICE_STATIONS)
@require_http_methods(["GET", "POST"])
def edit(request: AuthedRequest, pk: int) -> HttpResponse:
    """A station of the registry: everything, its keeper, in use or not, its QR, visits."""
    station = queries.access_managed(request.user, pk)
    form = _form_of(station)
    fields: dict[str, str] = {}
    if request.method == "POST":
        action = request.GET.get("action", "save")
        try:
            if action == "keeper":
                services.appoint_keeper(
                    station=station, username=request.POST.get("keeper", ""), by=request.user
                )
                messages.success(request, "已任命驿站管理员")
            elif action in ("close", "reopen"):
                services.set_active(station=station, is_active=action == "reopen", by=request.user)
                messages.success(request, "已停用该驿站" if action == "close" else "已启用该驿站")
            else:
                form = _posted(request)
                services.update_station(
                    station=station, data=_input_from_post(request.POST), by=request.user
                )
                messages.success(request, "驿站信息已保存")
            return redirect("stations:edit", station.pk)
        except InvalidInput as error:
            fields = error.fields
            messages.error(request, error.message)
        except DomainError as error:
            messages.error(request, error.message)
    context = _edit_context(form, fields, station)
    scan_url = request.build_absolute_uri(reverse("stations:scan", args=[station.code]))
    context.update(
        qr=qr_svg(scan_url),
        scan_url=scan_url,
        visits=queries.visits_of(station),
        state=queries.state_now(station),
    )
    return render(request, "stations/edit.html", context)


@requires(*STATION_PEOPLE)
def mine(request: AuthedRequest) -> HttpResponse:
    """我的驿站: the stations the keeper keeps."""
    stations = list(queries.kept(request.user))
    rows = [{"station": s, "state": queries.state_now(s)} for s in stations]
    return render(request, "stations/mine.html", {"rows": rows})


@requires(*STATION_PEOPLE)
@require_http_methods(["GET", "POST"])
def keep(request: AuthedRequest, pk: int) -> HttpResponse:
    """The keeper's phone page: this week's hours and the amenities, and the QR to print."""
    station = queries.access_kept(request.user, pk)
    form = _form_of(station)
    fields: dict[str, str] = {}
    if request.method == "POST":
        form = _posted(request)
        try:
            services.set_service(
                station=station,
                weekly_hours=hours.parse_week(
                    [request.POST.get(f, "") for f in hours.WEEKDAY_FIELDS]
                ),
                amenities=request.POST.getlist("amenities"),
                by=request.user,
            )
        except InvalidInput as error:
            fields = error.fields
            messages.error(request, error.message)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, "开放时间和服务设施已保存")
            return redirect("stations:keep", station.pk)
    scan_url = request.build_absolute_uri(reverse("stations:scan", args=[station.code]))
    return render(
        request,
        "stations/keep.html",
        {
            "station": station,
            "state": queries.state_now(station),
            "hour_rows": _hour_rows(form, fields),
            "amenities": amenity_choices(form.get("amenities", [])),
            "fields": fields,
            "qr": qr_svg(scan_url),
            "scan_url": scan_url,
            "visits": queries.visits_of(station),
        },
    )
