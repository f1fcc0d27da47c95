from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from jiceng.divisions.loading import LoadResult, load_divisions

# 50 real rows of the 2023 file, as they are there (CRLF line ends): 江苏省 > 南京市 > 栖霞区 with
# its streets and 仙林街道's ten communities; 北京市 > 市辖区 > 东城区 > 东华门街道; and the two
# shapes that repeat a code one level down: 东莞市 (a city without counties) and 金门县.
SAMPLE = Path(__file__).parent / "data" / "divisions-sample.csv"
SAMPLE_ROWS = 50
SAMPLE_MERGED = 3  # 441900 东莞市 (county), 350527000 and 350527000000 金门县
SAMPLE_STORED = SAMPLE_ROWS - SAMPLE_MERGED


@pytest.fixture
def sample_divisions(db: None) -> LoadResult:
    return load_divisions(path=SAMPLE)


@pytest.fixture
def signed_in_client(db: None) -> Client:
    """A street office worker of 仙林街道; divisions are reference data for anyone signed in."""
    user = get_user_model().objects.create_user(username="xianlin-staff", password="x" * 12)
    client = Client()
    client.force_login(user)
    return client
