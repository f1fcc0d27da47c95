"""Grids (网格), their workers (网格员) and patrols (巡查).

A grid's polygon is stored as GeoJSON text (a Polygon or MultiPolygon geometry, lon/lat in
WGS-84 / CGCS2000, which differ by less than a metre): portable between SQLite and PostgreSQL
without PostGIS. Routing never reads it row by row: `routing` loads every active grid once into
a shapely STRtree. The bounding box columns let a map page ask for the grids in view.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models


class Grid(models.Model):
    code = models.CharField("网格编码", max_length=32, unique=True)
    name = models.CharField("网格名称", max_length=100)
    community = models.ForeignKey(
        "divisions.Division",
        verbose_name="所在社区（村）",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,  # divisions are loaded in bulk and may come after the grids
    )
    street = models.ForeignKey(
        "divisions.Division",
        verbose_name="所在街道（乡镇）",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    boundary = models.TextField("边界（GeoJSON 几何）")
    min_lon = models.FloatField("最小经度")
    min_lat = models.FloatField("最小纬度")
    max_lon = models.FloatField("最大经度")
    max_lat = models.FloatField("最大纬度")
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        ordering = ["code"]
        verbose_name = "网格"
        verbose_name_plural = "网格"
        indexes = [
            # Scoped lists are ranges on the community code (a division prefix).
            models.Index(fields=["community", "code"], name="grid_community_code"),
            models.Index(fields=["street", "code"], name="grid_street_code"),
            models.Index(fields=["min_lon", "min_lat"], name="grid_bbox"),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class GridWorker(models.Model):
    """A grid worker's assignment to one grid (网格员). The user also holds the GRID_WORKER role
    over the grid's community; `services.assign_worker` grants both."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="网格员",
        on_delete=models.PROTECT,
        related_name="grid_assignments",
    )
    grid = models.ForeignKey(
        Grid, verbose_name="网格", on_delete=models.PROTECT, related_name="workers"
    )
    assigned_at = models.DateTimeField("任命时间")

    class Meta:
        ordering = ["grid", "user"]
        verbose_name = "网格员"
        verbose_name_plural = "网格员"
        constraints = [
            models.UniqueConstraint(fields=["user", "grid"], name="grid_worker_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.grid}"


class Patrol(models.Model):
    """A grid worker's patrol (巡查) of a grid: the time, the track walked and what was found.

    `track` is a list of [lon, lat, "ISO time"] points, appended by `services.add_track_points`
    under a row lock."""

    worker = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="网格员",
        on_delete=models.PROTECT,
        related_name="patrols",
    )
    grid = models.ForeignKey(
        Grid, verbose_name="网格", on_delete=models.PROTECT, related_name="patrols"
    )
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    track = models.JSONField("轨迹", default=list, blank=True)
    note = models.CharField("备注", max_length=500, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = "巡查"
        verbose_name_plural = "巡查"
        indexes = [
            models.Index(fields=["worker", "-started_at"], name="patrol_worker_started"),
            models.Index(fields=["grid", "-started_at"], name="patrol_grid_started"),
        ]

    def __str__(self) -> str:
        return f"{self.grid} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.ended_at is None


class PatrolFinding(models.Model):
    """Something a grid worker found on patrol (巡查发现). A finding may become a case: the
    cases app creates the case from `services.record_finding`'s result and keeps the link on
    its side (a foreign key to this row), so grid never imports cases."""

    patrol = models.ForeignKey(
        Patrol, verbose_name="巡查", on_delete=models.PROTECT, related_name="findings"
    )
    description = models.CharField("发现的问题", max_length=1000)
    lon = models.FloatField("经度", null=True, blank=True)
    lat = models.FloatField("纬度", null=True, blank=True)
    found_at = models.DateTimeField("发现时间")
    becomes_case = models.BooleanField("需立案", default=True)

    class Meta:
        ordering = ["found_at"]
        verbose_name = "巡查发现"
        verbose_name_plural = "巡查发现"

    def __str__(self) -> str:
        return self.description[:30]


class GridIndexVersion(models.Model):
    """One row: a number every grid change bumps, so each process's routing index knows when
    to rebuild by reading one small row (routing.py) instead of the grids themselves."""

    version = models.BigIntegerField("版本", default=0)

    class Meta:
        verbose_name = "网格索引版本"
        verbose_name_plural = "网格索引版本"

    def __str__(self) -> str:
        return str(self.version)


class GazetteerAddress(models.Model):
    """A door plate of the address gazetteer (门牌地址库) and the grid it lies in, imported
    from Excel or CSV by whoever manages the grids (gazetteer.import_addresses).

    `key` is the door part normalized (grid.addresses: "学海路8号3栋"), unique within the
    street: a caller's address finds it whatever way it was written. Its id is Open311's
    `address_id`."""

    key = models.CharField("门牌键", max_length=120)
    text = models.CharField("地址", max_length=200)
    grid = models.ForeignKey(
        Grid, verbose_name="网格", on_delete=models.PROTECT, related_name="addresses"
    )
    street = models.ForeignKey(
        "divisions.Division",
        verbose_name="所在街道（乡镇）",
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        db_index=False,  # the unique constraint leads with it
    )
    updated_at = models.DateTimeField("导入时间")

    class Meta:
        ordering = ["street", "key"]
        verbose_name = "门牌地址"
        verbose_name_plural = "门牌地址"
        constraints = [
            models.UniqueConstraint(fields=["street", "key"], name="gazetteer_street_key"),
        ]

    def __str__(self) -> str:
        return self.text


class GazetteerVersion(models.Model):
    """One row: a fresh token at every gazetteer import, so each process's address index
    (gazetteer.current_book) knows when to rebuild, as GridIndexVersion does for grids."""

    version = models.BigIntegerField("版本", default=0)

    class Meta:
        verbose_name = "门牌地址库版本"
        verbose_name_plural = "门牌地址库版本"

    def __str__(self) -> str:
        return str(self.version)
