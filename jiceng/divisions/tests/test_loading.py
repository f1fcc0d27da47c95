from __future__ import annotations

import gzip
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count

from jiceng.core.errors import InvalidInput
from jiceng.divisions.loading import LoadResult, default_file, load_divisions
from jiceng.divisions.models import Division

from .conftest import SAMPLE, SAMPLE_MERGED, SAMPLE_ROWS, SAMPLE_STORED

HEADER = "code,name,level,parent_code\n"


def write_csv(path: Path, *lines: str) -> Path:
    path.write_text(HEADER + "".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


def sample_lines() -> list[str]:
    return SAMPLE.read_text(encoding="utf-8").splitlines()[1:]


def table_snapshot() -> list[tuple[str, str, int, str | None]]:
    return list(Division.objects.order_by("code").values_list("code", "name", "level", "parent"))


def index_columns() -> set[tuple[str, ...]]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Division._meta.db_table)
    return {(name, *info["columns"]) for name, info in constraints.items() if info["index"]}


def test_sample_loads_with_codes_padded_to_twelve_digits(
    sample_divisions: LoadResult,
) -> None:
    assert sample_divisions.rows_read == SAMPLE_ROWS
    assert sample_divisions.per_level_read == {1: 4, 2: 4, 3: 4, 4: 24, 5: 14}
    assert sample_divisions.stored == SAMPLE_STORED
    assert not sample_divisions.skipped
    assert Division.objects.count() == SAMPLE_STORED

    xianlin = Division.objects.get(code="320113007000")
    assert (xianlin.name, xianlin.level, xianlin.parent_id) == ("仙林街道", 4, "320113000000")
    assert xianlin.short_code == "320113007"
    assert Division.objects.get(code="320000000000").parent_id is None
    community = Division.objects.get(code="320113007010")
    assert (community.name, community.level) == ("汇通社区居委会", 5)


def test_a_row_repeating_its_parents_code_is_merged_into_the_parent(
    sample_divisions: LoadResult,
) -> None:
    assert sample_divisions.merged == SAMPLE_MERGED
    dongguan = Division.objects.get(code="441900000000")
    assert (dongguan.name, dongguan.level) == ("东莞市", 2)  # the city, not its county copy
    # its towns hang on the city, one level skipped
    assert Division.objects.get(code="441900003000").parent_id == "441900000000"
    jinmen = Division.objects.get(code="350527000000")
    assert (jinmen.name, jinmen.level) == ("金门县", 3)
    assert not Division.objects.filter(parent_id="350527000000").exists()


def test_loading_again_is_skipped_while_the_count_matches(sample_divisions: LoadResult) -> None:
    Division.objects.filter(code="320113007000").update(name="改过的名字")

    again = load_divisions(path=SAMPLE)

    assert again.skipped
    assert again.stored == SAMPLE_STORED
    assert Division.objects.get(code="320113007000").name == "改过的名字"


def test_force_reload_replaces_the_contents(sample_divisions: LoadResult) -> None:
    Division.objects.filter(code="320113007000").update(name="改过的名字")
    Division.objects.create(code="990000000000", name="不在文件中", level=1)

    again = load_divisions(path=SAMPLE, force=True)

    assert not again.skipped
    assert Division.objects.get(code="320113007000").name == "仙林街道"
    assert not Division.objects.filter(code="990000000000").exists()
    assert Division.objects.count() == SAMPLE_STORED


def test_a_file_with_another_count_reloads_without_force(
    sample_divisions: LoadResult, tmp_path: Path
) -> None:
    smaller = write_csv(tmp_path / "smaller.csv", "32,江苏省,1,", "3201,南京市,2,32")

    result = load_divisions(path=smaller)

    assert not result.skipped
    assert sorted(Division.objects.values_list("code", flat=True)) == [
        "320000000000",
        "320100000000",
    ]


def test_indexes_are_the_same_after_a_load(db: None) -> None:
    before = index_columns()
    assert any("name" in columns for columns in before)  # the name index is really there

    load_divisions(path=SAMPLE)
    load_divisions(path=SAMPLE, force=True)

    assert index_columns() == before


def test_children_may_come_before_their_parents(db: None, tmp_path: Path) -> None:
    reversed_file = write_csv(tmp_path / "reversed.csv", *reversed(sample_lines()))

    load_divisions(path=reversed_file)
    from_reversed = table_snapshot()
    load_divisions(path=SAMPLE, force=True)

    assert from_reversed == table_snapshot()
    assert len(from_reversed) == SAMPLE_STORED


def test_a_gzipped_file_loads_the_same(db: None, tmp_path: Path) -> None:
    gzipped = tmp_path / "sample.csv.gz"
    gzipped.write_bytes(gzip.compress(SAMPLE.read_bytes()))

    result = load_divisions(path=gzipped)

    assert result.stored == SAMPLE_STORED
    assert Division.objects.get(code="320113007000").name == "仙林街道"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (["32,江苏省,1,", "3201,南京市,2"], "第3行：应有4列，实际为3列"),
        (["32,江苏省,1,", "320A,南京市,2,32"], "第3行：区划代码“320A”应为2、4、6、9或12位数字"),
        (["32,江苏省,1,", "32011,南京市,2,32"], "第3行：区划代码“32011”应为2、4、6、9或12位数字"),
        (["32,江苏省,1,", "3201,南京市,3,32"], "第3行：4位的区划代码3201应为2级，文件中为“3”"),
        (["32,江苏省,1,", "3201,,2,32"], "第3行：名称“”应为1到100个字"),
        (["32,江苏省,1,", "3201, 南京市,2,32"], "第3行：名称“ 南京市”应为1到100个字，且首尾无空格"),
        (["32,江苏\x00省,1,"], "第2行：名称“江苏省”中有NUL字符"),
        (["32,江苏省,1,31"], "第2行：省级区划32不应有上级代码“31”"),
        (["32,江苏省,1,", "3201,南京市,2,"], "第3行：上级代码“”应为区划代码3201的前段"),
        (["32,江苏省,1,", "3201,南京市,2,33"], "第3行：上级代码“33”应为区划代码3201的前段"),
        (
            ["32,江苏省,1,", "320113,栖霞区,3,3201"],
            "上级区划不在文件中：320113000000的上级320100000000",
        ),
        (
            ["32,江苏省,1,", "3201,南京市,2,32", "320100,别的名字,3,3201"],
            "第4行：区划代码补足12位后为320100000000，与上级相同，但名称“别的名字”与上级“南京市”不同",
        ),
        (
            ["32,江苏省,1,", "3201,南京市,2,32", "3201,南京市,2,32"],
            "第4行：区划代码3201（320100000000）与第3行重复",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_line_and_changes_nothing(
    sample_divisions: LoadResult, tmp_path: Path, lines: list[str], message: str
) -> None:
    before = table_snapshot()
    bad = write_csv(tmp_path / "bad.csv", *lines)

    with pytest.raises(InvalidInput) as refused:
        load_divisions(path=bad, force=True)

    assert message in refused.value.message
    assert table_snapshot() == before


def test_a_file_with_another_header_is_refused(db: None, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("代码,名称,级别,上级\n32,江苏省,1,\n", encoding="utf-8")

    with pytest.raises(InvalidInput, match="文件表头应为 code,name,level,parent_code"):
        load_divisions(path=bad)
    assert not Division.objects.exists()


def test_a_missing_file_is_refused(db: None, tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="区划文件不存在"):
        load_divisions(path=tmp_path / "nowhere.csv")


def test_the_command_loads_then_skips(db: None) -> None:
    out = io.StringIO()
    call_command("load-divisions", "--file", str(SAMPLE), stdout=out)
    call_command("load-divisions", "--file", str(SAMPLE), stdout=out)

    first, second = out.getvalue().splitlines()
    assert f"已载入 {SAMPLE_STORED} 个行政区划（读取 {SAMPLE_ROWS} 行" in first
    assert "3 行与上级代码相同，已并入上级" in first
    assert "跳过" in second
    assert Division.objects.count() == SAMPLE_STORED


def test_the_command_says_nothing_at_verbosity_zero(db: None) -> None:
    out = io.StringIO()
    call_command("load-divisions", "--file", str(SAMPLE), verbosity=0, stdout=out)

    assert out.getvalue() == ""
    assert Division.objects.count() == SAMPLE_STORED


def test_the_command_reports_a_bad_file_in_chinese(db: None, tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "bad.csv", "32,江苏省,1,", "3201,南京市,2,33")

    with pytest.raises(CommandError, match="第3行：上级代码“33”应为区划代码3201的前段"):
        call_command("load-divisions", "--file", str(bad), stdout=io.StringIO())


@pytest.mark.slow
def test_the_full_2023_file_loads_in_well_under_a_minute(db: None) -> None:
    out = io.StringIO()
    call_command("load-divisions", stdout=out)

    lines = out.getvalue().splitlines()
    assert lines[:6] == [f"已读取 {n:,} 行……" for n in range(100_000, 700_000, 100_000)]
    assert "读取 665,276 行：1级 31，2级 342，3级 2,978，4级 41,352，5级 620,573" in lines[-1]
    # Four codes repeat one level down (东莞市, 中山市, 儋州市 as their own county; 金门县 as its
    # own township and village): five rows that are their parent.
    assert "5 行与上级代码相同" in lines[-1]
    assert Division.objects.count() == 665_271
    per_level = dict(
        Division.objects.values_list("level").annotate(n=Count("code")).values_list("level", "n")
    )
    assert per_level == {1: 31, 2: 342, 3: 2975, 4: 41351, 5: 620572}
    assert default_file().name == "divisions-2023.csv.gz"
    seconds = float(lines[-1].rsplit("用时 ", 1)[1].removesuffix(" 秒"))
    assert seconds < 60
