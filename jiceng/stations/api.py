"""/api/v1/stations: 红帆驿站 through the same queries and services as the pages. The
riders' nearest stations and a station's public record need no sign-in; the registry needs
MANAGE_SERVICE_STATIONS; a keeper sets the hours and amenities of their station."""

from __future__ import annotations

from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from jiceng.accounts.access import api_requires, public
from jiceng.accounts.permissions import Permission
from jiceng.accounts.requests import AuthedRequest
from jiceng.core.schemas import Error, PathId

from . import queries, services
from .models import Amenity, ServiceStation

router = Router(tags=["stations"])
P = Permission


class StationOut(Schema):
    id: int
    name: str
    address: str
    lon: float
    lat: float
    host_unit: str
    amenities: list[Amenity]
    weekly_hours: list[list[list[int]]] = Field(
        description="七天（周一起）的开放时段，[开门分钟, 关门分钟)，分钟自零点起"
    )
    is_open_now: bool
    state: str = Field(description="开放中，20:00 关门 / 已关门，明天 08:00 开门")
    walk_url: str


class NearbyStationOut(StationOut):
    distance_m: float


class NearbyOut(Schema):
    open: list[NearbyStationOut]
    closed: list[NearbyStationOut]
    within_m: float


def _out(station: ServiceStation) -> StationOut:
    state = queries.state_now(station)
    return StationOut(
        id=station.pk,
        name=station.name,
        address=station.address,
        lon=station.lon,
        lat=station.lat,
        host_unit=station.host_unit,
        amenities=station.amenity_list,
        weekly_hours=station.weekly_hours,
        is_open_now=state.is_open,
        state=state.text,
        walk_url=queries.walk_url(lon=station.lon, lat=station.lat, name=station.name),
    )


def _nearby_out(hit: queries.Hit, rows: dict[int, ServiceStation]) -> NearbyStationOut | None:
    station = rows.get(hit.station_id)
    if station is None:
        return None
    return NearbyStationOut(**_out(station).model_dump(), distance_m=round(hit.distance_m, 1))


@router.get(
    "/nearby",
    response={200: NearbyOut, 400: Error},
    auth=None,
    summary="The nearest open stations to a point (no sign-in)",
)
@public("骑手查找附近的红帆驿站，无需登录；只含公开的驿站信息")
def nearby(
    request: HttpRequest,
    lon: Annotated[float, Query(ge=-180, le=180)],
    lat: Annotated[float, Query(ge=-90, le=90)],
    amenity: Annotated[list[Amenity] | None, Query()] = None,
) -> NearbyOut:
    found = queries.nearby(lon=lon, lat=lat, amenities=[a.value for a in amenity or []])
    rows = ServiceStation.objects.in_bulk([h.station_id for h in (*found.open, *found.closed)])
    return NearbyOut(
        open=[s for s in (_nearby_out(h, rows) for h in found.open) if s is not None],
        closed=[s for s in (_nearby_out(h, rows) for h in found.closed) if s is not None],
        within_m=found.within_m,
    )


@router.get("/{station_id}", response={200: StationOut, 404: Error}, auth=None)
@public("驿站的公开信息")
def station_detail(request: HttpRequest, station_id: PathId) -> StationOut:
    return _out(queries.public_station(station_id))


@router.get("", response={200: list[StationOut], 403: Error}, summary="The registry")
@api_requires(P.MANAGE_SERVICE_STATIONS)
def registry(request: AuthedRequest) -> list[StationOut]:
    return [_out(s) for s in queries.managed(request.user)[:1000]]


class StationIn(Schema):
    name: str = Field(max_length=100)
    address: str = Field(max_length=200)
    host_unit: str = Field(max_length=100)
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    weekly_hours: list[list[list[int]]]
    amenities: list[Amenity] = []
    phone: str = Field(default="", max_length=20)
    note: str = Field(default="", max_length=200)


@router.post("", response={201: StationOut, 400: Error, 403: Error}, summary="Register")
@api_requires(P.MANAGE_SERVICE_STATIONS)
def register(request: AuthedRequest, payload: StationIn) -> Status[StationOut]:
    station = services.register_station(
        data=services.StationInput(
            name=payload.name,
            address=payload.address,
            host_unit=payload.host_unit,
            lon=payload.lon,
            lat=payload.lat,
            weekly_hours=payload.weekly_hours,
            amenities=[a.value for a in payload.amenities],
            phone=payload.phone,
            note=payload.note,
        ),
        by=request.user,
    )
    return Status(201, _out(station))


class ServiceIn(Schema):
    weekly_hours: list[list[list[int]]]
    amenities: list[Amenity] = []


@router.put(
    "/{station_id}/service",
    response={200: StationOut, 400: Error, 403: Error, 404: Error},
    summary="A keeper sets the hours and amenities",
)
@api_requires(P.KEEP_SERVICE_STATIONS, P.MANAGE_SERVICE_STATIONS)
def set_service(request: AuthedRequest, station_id: PathId, payload: ServiceIn) -> StationOut:
    station = queries.access_kept(request.user, station_id)
    return _out(
        services.set_service(
            station=station,
            weekly_hours=payload.weekly_hours,
            amenities=[a.value for a in payload.amenities],
            by=request.user,
        )
    )


class KeeperIn(Schema):
    username: str = Field(max_length=150)


@router.post(
    "/{station_id}/keeper",
    response={200: StationOut, 400: Error, 403: Error, 404: Error},
    summary="The community appoints the keeper",
)
@api_requires(P.MANAGE_SERVICE_STATIONS)
def appoint_keeper(request: AuthedRequest, station_id: PathId, payload: KeeperIn) -> StationOut:
    station = queries.access_managed(request.user, station_id)
    return _out(
        services.appoint_keeper(station=station, username=payload.username, by=request.user)
    )
