"""接诉即办 in real Chromium: a citizen submits a case on the map from a phone; it lands in the
inbox of the grid worker of that grid, who accepts it and escalates it to the street; the street
blows the whistle for two departments, both report and finish; the street resolves the case;
the citizen rates it through the link."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from jiceng.accounts.models import User
from jiceng.cases.models import Case, SummonsReport
from jiceng.cases.workflow import Level, Status
from jiceng.testing.cases_personas import Units
from jiceng.testing.grid_personas import Grids

PASSWORD = "Pa55word!x"  # the personas' password
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def people(browser: Browser) -> Iterator[dict[str, Page]]:
    """One browser context (own cookies) per person at work."""
    contexts = {}
    for name in ("worker", "street", "urban", "water"):
        context = browser.new_context(locale="zh-CN", viewport=DESKTOP)  # type: ignore[arg-type]
        context.set_default_timeout(15_000)
        contexts[name] = context
    yield {name: context.new_page() for name, context in contexts.items()}
    for context in contexts.values():
        context.close()


def sign_in(page: Page, live_url: str, username: str, then: str) -> None:
    page.goto(f"{live_url}/accounts/login/?next={then}")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_url}{then}")


def test_a_citizen_case_from_the_map_to_the_rating(
    live_url: str,
    phone_page: Page,
    people: dict[str, Page],
    grids: Grids,
    units: Units,
    grid_worker: User,
    division_official: User,
    urban_staff: User,
    water_staff: User,
) -> None:
    citizen = phone_page
    # A grid's subject (小事网格办: 占道经营 would go straight to the station). The citizen, on
    # a phone, taps inside 文苑第一网格 (the first outline drawn) on the map.
    citizen.goto(f"{live_url}/cases/submit/")
    citizen.get_by_label("诉求类型").select_option(label="投诉")
    citizen.get_by_label("诉求事项").select_option(label="垃圾清运")
    citizen.get_by_label("诉求内容").fill("文苑路菜市场门口垃圾堆了三天没人清运，占了半条人行道")
    outline = citizen.locator("#case-map path.leaflet-interactive").first
    outline.scroll_into_view_if_needed()  # the mouse clicks where the viewport shows it
    box = outline.bounding_box()
    assert box is not None
    citizen.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(citizen.locator("#picked")).to_contain_text("已选点")
    citizen.get_by_label("地址").fill("文苑路菜市场")
    citizen.get_by_label("联系电话").fill("13912340000")
    citizen.get_by_role("button", name="提交诉求").click()
    expect(citizen.locator("#case-status")).to_have_text("已派单")
    track_url = citizen.url.split("?")[0]
    case = Case.objects.get()
    assert case.grid_id == grids.wenyuan.pk

    # 孙丽, the grid's worker, finds it in her inbox, accepts it and escalates it.
    worker = people["worker"]
    sign_in(worker, live_url, grid_worker.username, "/cases/inbox/")
    worker.get_by_role("link", name=f"{case.number} 垃圾清运").click()
    expect(worker.locator("#reporter-phone")).to_have_text("139****0000")
    worker.get_by_role("button", name="签收").click()
    expect(worker.locator("#case-status")).to_have_text("已签收")
    worker.get_by_label("上报到站所的理由").fill("需要城管执法")
    worker.get_by_role("button", name="上报站所").click()
    expect(worker.locator("#case-unit")).to_contain_text("仙林街道城管中队")

    # The street signs for it at its station and blows the whistle for two departments.
    street = people["street"]
    sign_in(street, live_url, division_official.username, "/cases/whistle/")
    street.goto(f"{live_url}/cases/{case.pk}/")
    street.get_by_role("button", name="签收").click()
    expect(street.locator("#case-status")).to_have_text("已签收")
    street.get_by_label("栖霞区城市管理局").check()
    street.get_by_label("栖霞区水务局").check()
    street.get_by_role("button", name="吹哨", exact=True).click()
    expect(street.locator(".report")).to_have_count(2)

    # Each department reports (报到) and finishes its part.
    for name, user, note in (
        ("urban", urban_staff, "已清理占道摊位"),
        ("water", water_staff, "已疏通路边排水"),
    ):
        page = people[name]
        sign_in(page, live_url, user.username, "/cases/department/")
        page.get_by_role("link", name=f"{case.number} 垃圾清运").click()
        page.get_by_role("button", name="报到").click()
        page.get_by_label("办理情况").fill(note)
        page.get_by_role("button", name="提交完成").click()
        expect(page.locator(".flash")).to_contain_text("已提交办理情况")
    assert SummonsReport.objects.filter(case=case, finished_at__isnull=False).count() == 2

    # The street resolves the case and rates a department.
    street.reload()
    street.get_by_label("办理结果").fill("城管、水务联合处置，占道已清理")
    street.get_by_role("button", name="办结").click()
    expect(street.locator("#case-status")).to_have_text("已办结")
    street.locator(".report").first.get_by_role("button", name="评价").click()
    expect(street.locator(".report").first).to_contain_text("街道评价 5 分")

    # The citizen opens the link again and rates the result.
    citizen.goto(track_url)
    citizen.get_by_label("已解决").check()
    citizen.get_by_label("满意", exact=True).check()
    citizen.get_by_role("button", name="提交评价").click()
    expect(citizen.locator("#case-status")).to_have_text("已回访")
    case.refresh_from_db()
    assert (case.status, case.level, case.satisfaction) == (
        Status.FOLLOWED_UP,
        Level.STATION,
        "SATISFIED",
    )
