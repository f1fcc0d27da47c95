"""The gazetteer (门牌地址库) in the database: its import from CSV and Excel, row by row in
Chinese and all or nothing, the page, and the process's book following imports and grids."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jiceng.accounts.models import User
from jiceng.core.excel import ImportResult
from jiceng.grid import address_imports, gazetteer, routing, services
from jiceng.grid.models import GazetteerAddress
from jiceng.testing.grid_personas import Grids

pytestmark = pytest.mark.django_db


def csv_file(*rows: str, encoding: str = "utf-8-sig") -> io.BytesIO:
    return io.BytesIO("\n".join(["地址,网格编码", *rows]).encode(encoding))


def xlsx_file(*rows: tuple[str, str]) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["地址", "网格编码(必填)"])
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    out.name = "门牌.xlsx"
    return out


def imported(user: User, data: io.BytesIO, name: str = "门牌.csv") -> ImportResult:
    return address_imports.import_addresses(data, filename=name, by=user)


def test_a_csv_fills_the_gazetteer_and_routing_finds_its_door_plates(
    grids: Grids, division_official: User
) -> None:
    result = imported(
        division_official,
        csv_file(
            "仙林街道文苑社区文苑路1号,XL-WY-01",
            "文苑路1号3栋,XL-WY-02",
            "仙鹤社区 学海路 ８ 号,XL-XH-01",
        ),
    )
    assert result.succeeded and result.created == 3
    rows = GazetteerAddress.objects.order_by("key").values_list("key", "grid__code", "street_id")
    assert list(rows) == [
        ("学海路8号", "XL-XH-01", "320113007000"),
        ("文苑路1号", "XL-WY-01", "320113007000"),
        ("文苑路1号3栋", "XL-WY-02", "320113007000"),
    ]
    found = routing.locate_address("文苑路1号3栋502室")
    assert found.how == "gazetteer" and found.place is not None
    assert found.place.grid_id == grids.wenyuan_east.pk
    assert routing.locate_address("学海路八号").place.grid_id == grids.xianhe.pk  # type: ignore[union-attr]


def test_an_excel_file_and_a_gbk_csv_import_too(grids: Grids, division_official: User) -> None:
    result = imported(division_official, xlsx_file(("文苑路2号", "XL-WY-01")), "门牌.xlsx")
    assert result.succeeded and result.created == 1
    gbk = csv_file("文苑路3号,XL-WY-01", encoding="gb18030")
    assert imported(division_official, gbk).created == 1


def test_every_wrong_row_is_reported_in_chinese_and_nothing_is_written(
    grids: Grids, division_official: User
) -> None:
    result = imported(
        division_official,
        csv_file(
            "文苑路1号,XL-WY-01",
            "文苑路1号,XL-WY-02",  # the same door plate, another grid
            "仙林街道文苑社区,XL-WY-01",  # no door plate
            "仙鹤社区学海路8号,XL-WY-01",  # a door plate of another community
            "文苑路9号,NO-SUCH",
            "文苑路5号,YH-01",  # 尧化's grid: not 周强's
            ",XL-WY-01",
        ),
    )
    assert not result.succeeded and result.created == 0
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "地址", "与第2行是同一门牌，但网格不同"),
        (4, "地址", "没有门牌：请写到路名和门牌号，如“学海路8号”"),
        (5, "地址", "地址中的“仙鹤社区”不是网格“XL-WY-01”所在的文苑社区"),
        (6, "网格编码", "网格“NO-SUCH”不存在、已停用或不在您管理的范围内"),
        (7, "网格编码", "网格“YH-01”不存在、已停用或不在您管理的范围内"),
        (8, "地址", "请填写地址"),
    ]
    assert not GazetteerAddress.objects.exists()


def test_importing_a_door_plate_again_moves_it_to_the_new_grid(
    grids: Grids, division_official: User
) -> None:
    imported(division_official, csv_file("文苑路1号,XL-WY-01", "文苑路2号,XL-WY-01"))
    assert routing.locate_address("文苑路1号").place.grid_id == grids.wenyuan.pk  # type: ignore[union-attr]
    again = imported(division_official, csv_file("文苑路１号,XL-WY-02", "文苑路2号,XL-WY-01"))
    assert (again.created, again.updated, again.unchanged) == (0, 1, 1)  # type: ignore[attr-defined]
    assert GazetteerAddress.objects.count() == 2
    assert routing.locate_address("文苑路1号").place.grid_id == grids.wenyuan_east.pk  # type: ignore[union-attr]


def test_a_file_without_the_columns_is_refused(grids: Grids, division_official: User) -> None:
    with pytest.raises(Exception, match="表头缺少必填列：网格编码"):
        imported(division_official, io.BytesIO("地址\n文苑路1号".encode()))


def test_a_deactivated_grid_takes_its_door_plates_out_of_routing(
    grids: Grids, division_official: User
) -> None:
    imported(division_official, csv_file("学海路8号,XL-XH-01"))
    assert routing.locate_address("学海路8号").how == "gazetteer"
    services.change_grid(grid=grids.xianhe, is_active=False, by=None)
    assert routing.locate_address("学海路8号").how == "none"


def test_the_book_is_read_once_and_reused(grids: Grids, django_assert_num_queries: object) -> None:
    gazetteer.current_book()
    with django_assert_num_queries(0):  # type: ignore[operator]
        gazetteer.resolve("仙林街道文苑社区")


# -- the page ----------------------------------------------------------------------------------


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_imports_and_tries_an_address(grids: Grids, division_official: User) -> None:
    client = signed_in(division_official)
    page = client.get("/grid/addresses/")
    assert page.status_code == 200 and "门牌地址库" in page.content.decode()
    upload = SimpleUploadedFile("门牌.csv", "地址,网格编码\n文苑路1号,XL-WY-01\n".encode())
    done = client.post("/grid/addresses/", {"file": upload})
    assert done.status_code == 200 and "新增 1 个" in done.content.decode()
    tried = client.get("/grid/addresses/", {"q": "仙林街道文苑社区文苑路1号"}).content.decode()
    assert "定位依据：门牌地址库" in tried and "文苑第一网格" in tried
    bad = SimpleUploadedFile("门牌.csv", "地址,网格编码\n文苑路1号,NO\n".encode())
    refused = client.post("/grid/addresses/", {"file": bad})
    assert refused.status_code == 400 and "没有导入任何门牌" in refused.content.decode()
    template = client.get("/grid/addresses/template.xlsx")
    assert template.status_code == 200 and template.content[:2] == b"PK"


def test_the_page_is_for_those_who_manage_grids(grids: Grids, grid_worker: User) -> None:
    assert signed_in(grid_worker).get("/grid/addresses/").status_code == 403
    assert Client().get("/grid/addresses/").status_code == 302
