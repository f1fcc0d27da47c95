from __future__ import annotations

from django.db import models

# Digits of the code at each level: province 2, city 4, county 6, township 9, village 12.
LEVEL_DIGITS = {1: 2, 2: 4, 3: 6, 4: 9, 5: 12}


class Level(models.IntegerChoices):
    PROVINCE = 1, "省级"
    CITY = 2, "地级"
    COUNTY = 3, "县级"
    TOWNSHIP = 4, "乡级"
    VILLAGE = 5, "村级"


# The committee at the end of a community's or village's official name (文澜社区居委会), and
# what people call the place instead (文澜社区).
COMMITTEE_SUFFIXES = {"居民委员会": "社区", "居委会": "社区", "村民委员会": "村", "村委会": "村"}


def common_name(name: str) -> str:
    """A division's name as people say it: 文澜社区居委会 → 文澜社区, 石埠桥村委会 → 石埠桥村."""
    for suffix, place in COMMITTEE_SUFFIXES.items():
        stem = name.removesuffix(suffix)
        if stem and stem != name:
            return stem if stem.endswith(("社区", "村")) else stem + place
    return name


class Division(models.Model):
    """An administrative division (行政区划) with its NBS 12-digit code.

    The code is the key: ancestors are its prefixes (LEVEL_DIGITS), so no query walks the tree.
    """

    code = models.CharField("区划代码", max_length=12, primary_key=True)
    name = models.CharField("名称", max_length=100, db_index=True)
    level = models.PositiveSmallIntegerField("级别", choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        db_constraint=False,  # loaded in bulk, parents and children in one pass
    )

    class Meta:
        ordering = ["code"]
        verbose_name = "行政区划"
        verbose_name_plural = "行政区划"

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"

    @property
    def short_code(self) -> str:
        """The code without its trailing zero groups: 320113 for the county 320113000000."""
        return self.code[: LEVEL_DIGITS[self.level]]


def short_code_of(code: str) -> str:
    """The short code from the 12-digit code alone: a division's own digit group is never all
    zeros (communities count from 001), so the trailing zero groups are exactly its parents'
    padding. Scoping uses it without reading the division row."""
    ends = sorted(LEVEL_DIGITS.values(), reverse=True)  # 12, 9, 6, 4, 2
    for end, start in zip(ends, [*ends[1:], 0], strict=True):
        if code[start:end].strip("0"):
            return code[:end]
    return code


class DivisionShape(models.Model):
    """The outline (边界) of a division: a street's or a community's polygon, for the maps.

    The NBS codes carry no shapes: an administrator imports them as GeoJSON (`shapes`), and
    the demo synthesizes its district's. Stored as GeoJSON text in lon/lat (WGS-84 /
    CGCS2000), like a grid's boundary, with its bounding box and a point inside it where the
    name is written (the pole of inaccessibility: the centroid of a crescent lies outside).
    """

    division = models.OneToOneField(
        Division,
        verbose_name="行政区划",
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="shape",
        db_constraint=False,  # divisions are replaced in bulk by load-divisions --force
    )
    boundary = models.TextField("边界（GeoJSON 几何）")
    min_lon = models.FloatField("最小经度")
    min_lat = models.FloatField("最小纬度")
    max_lon = models.FloatField("最大经度")
    max_lat = models.FloatField("最大纬度")
    label_lon = models.FloatField("名称标注经度")
    label_lat = models.FloatField("名称标注纬度")
    updated_at = models.DateTimeField("更新时间")

    class Meta:
        ordering = ["division"]
        verbose_name = "区划边界"
        verbose_name_plural = "区划边界"

    def __str__(self) -> str:
        return f"{self.division_id}的边界"
