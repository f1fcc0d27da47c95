"""红帆驿站 (`ServiceStation`): service stations where delivery riders and other outdoor
workers get water, rest, a charge and first aid. Not the cases app's `Station` (站所, a
service unit that handles cases).

The opening hours are kept as one JSON list per station (hours.py: seven lists of
[opens, closes) minute pairs, Monday first) and the amenities as one integer of bits
(Amenity), so the in-process finder (finder.py) loads every station in one query and asks
"open now, with water and charging" with integer arithmetic. Visits are anonymous: one
counter row per station and day (a year of them is 365 small rows, not millions)."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Amenity(models.TextChoices):
    """What a station offers; the order is the bit order of `ServiceStation.amenities`,
    so new ones are only ever added at the end."""

    WATER = "water", "饮用水"
    REST = "rest", "休息座椅"
    TOILET = "toilet", "卫生间"
    FIRST_AID = "first_aid", "急救药箱"
    CHARGING = "charging", "充电"
    MICROWAVE = "microwave", "微波炉"
    UMBRELLA = "umbrella", "雨伞雨衣"
    REPAIR_TOOLS = "repair_tools", "维修工具"


AMENITY_BITS: dict[str, int] = {a.value: 1 << i for i, a in enumerate(Amenity)}


def amenity_mask(values: list[str] | tuple[str, ...] | set[str]) -> int:
    """The bits of these amenities (unknown names are ignored by the caller's check)."""
    mask = 0
    for value in values:
        mask |= AMENITY_BITS.get(value, 0)
    return mask


def amenities_of(mask: int) -> list[Amenity]:
    return [a for a in Amenity if mask & AMENITY_BITS[a.value]]


class ServiceStation(models.Model):
    """A 红帆驿站: where it is, who hosts and keeps it, when it is open and what it offers."""

    name = models.CharField("驿站名称", max_length=100)
    address = models.CharField("地址", max_length=200)
    lon = models.FloatField("经度")
    lat = models.FloatField("纬度")
    community = models.ForeignKey(
        "divisions.Division",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="所在社区",
        db_constraint=False,
    )
    street_code = models.CharField("所在街道代码", max_length=12, db_index=True)
    host_unit = models.CharField("依托单位", max_length=100)
    keeper = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="kept_stations",
        verbose_name="驿站管理员",
    )
    phone = models.CharField("驿站电话", max_length=20, blank=True)
    # Seven lists (Monday first) of [opens, closes) in minutes from midnight, 0..1440.
    weekly_hours = models.JSONField("开放时间", default=list)
    amenities = models.PositiveIntegerField("服务设施", default=0)
    note = models.CharField("说明", max_length=200, blank=True)
    # The code in the station's QR (扫码): not guessable, so visits are counted by a scan.
    code = models.CharField("二维码编号", max_length=24, unique=True)
    is_active = models.BooleanField("在用", default=True)
    created_at = models.DateTimeField("登记时间")
    updated_at = models.DateTimeField("修改时间")

    class Meta:
        verbose_name = "红帆驿站"
        verbose_name_plural = "红帆驿站"
        indexes = [models.Index(fields=["community"], name="station_community")]

    def __str__(self) -> str:
        return self.name

    @property
    def amenity_list(self) -> list[Amenity]:
        return amenities_of(self.amenities)


class StationVisitDay(models.Model):
    """Anonymous visits of one station on one day (扫码计数): a count, nobody's name."""

    station = models.ForeignKey(
        ServiceStation, on_delete=models.CASCADE, related_name="visit_days", verbose_name="驿站"
    )
    day = models.DateField("日期")
    visits = models.PositiveIntegerField("到访人次", default=0)

    class Meta:
        verbose_name = "驿站到访（按日）"
        verbose_name_plural = "驿站到访（按日）"
        constraints = [
            models.UniqueConstraint(fields=["station", "day"], name="station_visit_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.station_id} {self.day} {self.visits}"


class StationIndexVersion(models.Model):
    """One row: a random token every station change writes, so each process's finder
    (finder.py) rebuilds by reading one small row instead of the stations."""

    version = models.BigIntegerField("版本", default=0)

    class Meta:
        verbose_name = "驿站索引版本"
        verbose_name_plural = "驿站索引版本"

    def __str__(self) -> str:
        return str(self.version)
