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
