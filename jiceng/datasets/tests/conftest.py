from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jiceng.divisions.loading import LoadResult, load_divisions

# Real rows of the 2023 file: 江苏省 > 南京市 > 栖霞区 (the demo district, 164 divisions),
# 云南省 > 普洱市 > 西盟佤族自治县 (40 villages, an autonomous county) and
# 西藏自治区 > 拉萨市 > 当雄县 (29 villages), with their provinces and cities.
DIVISIONS = Path(__file__).parent / "data" / "divisions-seed.csv"
QIXIA, XIMENG, DAMXUNG = "320113", "530829", "540122"
AS_OF = dt.date(2025, 6, 30)


@pytest.fixture
def divisions(db: None) -> LoadResult:
    return load_divisions(path=DIVISIONS)
