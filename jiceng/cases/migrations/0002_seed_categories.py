"""The first request types and subjects; the system administrator edits them afterwards."""

from __future__ import annotations

from typing import Any

from django.db import migrations

TYPES = [
    ("consultation", "咨询"),
    ("help", "求助"),
    ("complaint", "投诉"),
    ("report", "举报"),
    ("suggestion", "建议"),
]

# (code, name, group, function, unit level, deadline class)
SUBJECTS = [
    ("city-garbage", "垃圾清运", "市容环境", "城管", "GRID", "GENERAL"),
    ("city-stalls", "占道经营", "市容环境", "城管", "STATION", "GENERAL"),
    ("city-illegal-building", "违法建设", "市容环境", "城管", "DEPARTMENT", "COMPLEX"),
    ("city-noise", "噪声扰民", "市容环境", "生态环境", "STATION", "GENERAL"),
    ("road-damage", "道路破损", "道路交通", "交通", "DEPARTMENT", "GENERAL"),
    ("road-parking", "乱停车", "道路交通", "交警", "STATION", "GENERAL"),
    ("road-danger", "道路险情", "道路交通", "交通", "DEPARTMENT", "EMERGENCY"),
    ("utility-water", "停水/供水", "公用设施", "水务", "DEPARTMENT", "UTILITIES"),
    ("utility-power", "停电/供电", "公用设施", "供电", "DEPARTMENT", "UTILITIES"),
    ("utility-gas", "燃气", "公用设施", "燃气", "DEPARTMENT", "UTILITIES"),
    ("utility-heating", "供暖", "公用设施", "供热", "DEPARTMENT", "UTILITIES"),
    ("utility-gas-leak", "燃气泄漏", "公用设施", "燃气", "DEPARTMENT", "EMERGENCY"),
    ("utility-streetlight", "路灯井盖", "公用设施", "城管", "STATION", "GENERAL"),
    ("green-trees", "树木绿地", "园林绿化", "园林", "STATION", "GENERAL"),
    ("green-fallen-tree", "树木倒伏", "园林绿化", "园林", "STATION", "EMERGENCY"),
    ("housing-property", "物业服务", "房屋土地", "住建", "GRID", "GENERAL"),
    ("housing-repair", "房屋漏水维修", "房屋土地", "住建", "STATION", "GENERAL"),
    ("housing-land", "土地权属", "房屋土地", "自然资源", "DEPARTMENT", "COMPLEX"),
    ("security-order", "治安秩序", "社会治安", "公安", "STATION", "GENERAL"),
    ("security-dispute", "邻里纠纷", "社会治安", "司法", "GRID", "GENERAL"),
    ("livelihood-elderly", "养老助残", "民生服务", "民政", "GRID", "GENERAL"),
    ("livelihood-social-security", "社保医保", "民生服务", "人社", "DEPARTMENT", "GENERAL"),
    ("livelihood-wages", "拖欠工资", "民生服务", "人社", "DEPARTMENT", "COMPLEX"),
    ("other", "其他", "其他", "", "GRID", "GENERAL"),
]


def seed(apps: Any, schema_editor: Any) -> None:
    case_type = apps.get_model("cases", "CaseType")
    subject = apps.get_model("cases", "Subject")
    for position, (code, name) in enumerate(TYPES):
        case_type.objects.get_or_create(code=code, defaults={"name": name, "position": position})
    for position, (code, name, group, function, level, deadline) in enumerate(SUBJECTS):
        subject.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "group": group,
                "function": function,
                "unit_level": level,
                "deadline_class": deadline,
                "position": position,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
