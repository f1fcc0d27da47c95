"""The national scale on one box (issue 17, part 1): one unattended command, both databases one
after the other.

    .venv/bin/python bench/scale_run.py --scale 1            # or: make scale-run SCALE=1
    .venv/bin/python bench/scale_run.py --scale 0.002 --runs 20   # a try at a tiny scale

For SQLite, then for PostgreSQL (a private server that scripts/with-postgres.sh starts on a
free port under var/ and removes afterwards; the seed writes it with COPY), in a fresh database:

1. migrate, load-divisions (timed apart from the seed);
2. `jiceng seed --scale S --tree-only`: organizations, members, committees and party groups;
3. `jiceng seed --modules-only --modules-under largest`: every module's seed (organizational
   life, dues, development, transfers, points, appraisal, rectification, village teams,
   双报到, grids and household contacts, cooperatives, consent, task forces and stations) under the
   province with the most members only. Their national figures are extrapolated from the
   province by its share of the members, and labelled so;
4. every page and rollup that has a target (and the others issue 17 names), each as the p95
   of --runs warm requests through the whole Django stack in process (server time, no
   socket), from a child process (`scale_run.py measure`); the national compliance rollup
   timed once;
5. time, size on disk (the SQLite file; PostgreSQL's pg_database_size and its data directory)
   and peak memory (the largest resident set of each step's process tree, from wait4: the
   PostgreSQL server's own processes are not children and not counted) of each step;
6. the database removed.

With `--modules-in province` (the default) the modules go into a database of the province's
tree alone: at scale 1 the nation's tree and the largest province's year of every module do not
fit together on a disk of less than about 100 GB (the nation's tree takes about 50 GB on either
database). Then step 4 runs first on the nation's tree (the tree's pages and the national
rollup), the database is removed, and a new one gets migrate, load-divisions and the tree of
the province's counties only (the same counties and members as in the nation's tree: each
county's rows come from the seed and its code), then steps 3 and 4 in it. Its pages are those
of the province with its modules, in a database that holds no other province, and the results
say so. `--modules-in nation` seeds the modules on the nation's tree, as the issue first meant,
where the disk allows.

A results block (Markdown) is written to bench/out/scale-run-<scale>-<time>.md (with the raw
figures beside it as .json) and printed. Each database may take at most 60 GB at scale 1:
before starting, the free disk where each database goes is checked against 60 GB × scale
(plus 2 GB of room), and the run refuses with a message when it is short.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
BACKENDS = ("sqlite", "postgres")
LIMIT_GB = 60  # a database at scale 1 (issue 17)
ROOM_GB = 2
GB = 1024**3
# The steps of the second database of --modules-in province, before its modules.
PROVINCE_STEPS = ("migrate_province", "divisions_province", "province_tree")

# The rows of the results block, in order: (key, what, target in ms or None). A key's scope is
# filled in at measuring time ("national", "province", ...). Targets are those the issues set.
MEASURED: tuple[tuple[str, str, float | None], ...] = (
    (
        "compliance_rollup:national",
        "全国组织生活合规汇总 compliance.rollup_month（一次）",
        300_000,
    ),
    ("subtree_counts:national", "子树党员与支部数（汇总行） 全国", 20),
    ("subtree_counts:province", "子树党员与支部数（汇总行） 省", 20),
    ("subtree_counts:county", "子树党员与支部数（汇总行） 县", 20),
    ("subtree_counts:branch", "子树党员与支部数（汇总行） 支部", 20),
    ("tree:national", "组织树首屏 /orgs/ 全国", 200),
    ("tree:province", "组织树首屏 /orgs/ 省", 200),
    ("tree:county", "组织树首屏 /orgs/ 县", 200),
    ("organization:national", "党组织页 全国", None),
    ("organization:province", "党组织页 省", None),
    ("organization:county", "党组织页 县", None),
    ("members:national", "党员名册 全国", None),
    ("members:province", "党员名册 省", None),
    ("members:county", "党员名册 县", None),
    ("terms_due:national", "换届提醒列表 全国", None),
    ("terms_due:province", "换届提醒列表 省", None),
    ("terms_due:county", "换届提醒列表 县", None),
    ("compliance_page:national", "组织生活合规页 全国", 200),
    ("compliance_page:province", "组织生活合规页 省", 200),
    ("compliance_page:county", "组织生活合规页 县", 200),
    ("compliance_page:branch", "组织生活合规页 支部", 200),
    ("ranking:city", "接诉即办三率排名 省内最大的市", None),
    ("workbench:national", "组织部门工作台 GET / 全国", 300),
    ("workbench:province", "组织部门工作台 GET / 省", None),
    ("workbench:county", "组织部门工作台 GET / 县", None),
    ("workbench:secretary", "支部书记工作台 GET / 省内最大的支部", None),
    ("dashboard:national", "党建驾驶舱 全国", 300),
    ("dashboard:province", "党建驾驶舱 省", None),
    ("dashboard:county", "党建驾驶舱 县", None),
    ("development:county", "发展党员页 省内最大的县", 200),
)


def jiceng() -> str:
    return str(Path(sys.executable).parent / "jiceng")


def free_gb(path: Path) -> float:
    path.mkdir(parents=True, exist_ok=True)
    return shutil.disk_usage(path).free / GB


def check_disk(places: dict[str, Path], scale: float, need_gb: float | None) -> None:
    """Refuse before anything is written when a database could not fit where it goes."""
    need = need_gb if need_gb is not None else LIMIT_GB * min(scale, 1.0) + ROOM_GB
    for backend, place in places.items():
        free = free_gb(place)
        if free < need:
            sys.exit(
                f"磁盘空间不足：{backend} 的数据库放在 {place}，那里只有 {free:.1f} GB 可用；"
                f"规模 {scale:g} 需要 {need:.1f} GB（每个数据库在规模1时最多 {LIMIT_GB} GB，"
                f"另留 {ROOM_GB} GB）。请腾出空间，或用 --out 换一个目录。"
            )
        print(f"磁盘：{backend} 放在 {place}，可用 {free:.1f} GB，需要 {need:.1f} GB", flush=True)


def run_step(
    title: str, command: list[str], env: dict[str, str], log: list[str]
) -> tuple[float, int]:
    """Runs a step as a child process, its output shown as it comes; (seconds, peak KiB of its
    process tree: the child and the children it waited for)."""
    print(f"\n== {title}\n   {' '.join(command)}", flush=True)
    log.append(title)
    started = time.perf_counter()
    child = subprocess.Popen(command, env=env, cwd=ROOT)  # our own commands
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.perf_counter() - started
    if child.returncode != 0:
        raise SystemExit(f"步骤失败（退出码 {child.returncode}）：{title}")
    print(f"   {title}：{seconds:.1f} 秒，峰值内存 {usage.ru_maxrss / 1024:.0f} MiB", flush=True)
    return seconds, usage.ru_maxrss


# -- one database: runs inside scripts/with-postgres.sh for PostgreSQL ----------------------------


def database_size(url: str, sqlite_file: Path | None) -> dict[str, int]:
    if sqlite_file is not None:
        files = [sqlite_file, Path(f"{sqlite_file}-wal"), Path(f"{sqlite_file}-shm")]
        return {"file": sum(p.stat().st_size for p in files if p.exists())}
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        database = connection.execute("SELECT pg_database_size(current_database())").fetchone()
        place = connection.execute("SHOW data_directory").fetchone()
    assert database is not None and place is not None
    total = 0
    for folder, _, names in os.walk(place[0]):
        for name in names:
            with contextlib.suppress(FileNotFoundError):  # a temporary file gone meanwhile
                total += os.lstat(os.path.join(folder, name)).st_size
    return {"database": int(database[0]), "data_directory": total}


def sqlite_files(sqlite_file: Path) -> list[Path]:
    """A SQLite database's file and those beside it: the log, its index, a rollback journal
    and the writers' lock file (jiceng/core/sqlite)."""
    return [
        sqlite_file,
        *(Path(f"{sqlite_file}{s}") for s in ("-wal", "-shm", "-journal", "-writers")),
    ]


def remove_database(url: str, sqlite_file: Path | None) -> None:
    """Remove the database: the SQLite file and those beside it (a new one is made by the next
    migrate), or on the private PostgreSQL server drop it and make it again, empty, under the
    same name, so the next steps start from nothing."""
    if sqlite_file is not None:
        for made in sqlite_files(sqlite_file):
            made.unlink(missing_ok=True)
        return
    import psycopg
    from psycopg import sql

    name = urlsplit(url).path.lstrip("/")
    server = urlunsplit(urlsplit(url)._replace(path="/postgres"))
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def one_database(args: argparse.Namespace) -> None:
    """The steps for the database DATABASE_URL names (or a new SQLite file); writes --result."""
    backend = args.backend
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.config.settings.base")
    env.setdefault("JICENG_ALLOWED_HOSTS", "testserver")
    env.setdefault("JICENG_LOG_LEVEL", "WARNING")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    sqlite_file: Path | None = None
    if backend == "sqlite":
        sqlite_file = (args.out / f"scale-{tag(args)}.sqlite3").resolve()
        for leftover in sqlite_files(sqlite_file):
            leftover.unlink(missing_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{sqlite_file}"
    url = env["DATABASE_URL"]
    if backend == "postgres" and not url.startswith("postgres"):
        sys.exit("PostgreSQL 一轮要在 scripts/with-postgres.sh 之下运行")
    scratch = Path(tempfile.mkdtemp(prefix=f"scale-run-{backend}-", dir=args.out))
    result: dict[str, Any] = {"backend": backend, "steps": {}, "sizes": {}}
    log: list[str] = []

    def step(key: str, title: str, command: list[str]) -> None:
        seconds, peak = run_step(f"[{backend}] {title}", command, env, log)
        result["steps"][key] = {"seconds": seconds, "peak_kib": peak}
        result["sizes"][key] = database_size(url, sqlite_file)

    def prepare(suffix: str = "") -> None:
        step(f"migrate{suffix}", "迁移", [jiceng(), "migrate", "-v", "0", "--noinput"])
        divisions = [jiceng(), "load-divisions"]
        if args.divisions_file:
            divisions += ["--file", str(args.divisions_file)]
        step(f"divisions{suffix}", "载入行政区划", divisions)

    def measured(key: str, province: str, title: str) -> dict[str, Any]:
        measure = [sys.executable, str(Path(__file__).resolve()), "measure"]
        measure += ["--runs", str(args.runs), "--result", str(scratch / f"{key}.json")]
        step(key, title, [*measure, "--province", province])
        found: dict[str, Any] = json.loads((scratch / f"{key}.json").read_text())
        return found

    try:
        prepare()
        common = ["--seed", str(args.seed), "--as-of", args.as_of.isoformat()]
        tree = [jiceng(), "seed", *common, "--tree-only", "--workers", str(args.workers)]
        nation = ["--counties", args.counties] if args.counties else ["--scale", f"{args.scale:g}"]
        timings = ["--timings", str(scratch / "tree.json")]
        step("tree", f"生成组织树（{chosen(args)}）", [*tree, *nation, *timings])
        result["tree"] = json.loads((scratch / "tree.json").read_text())["tree"]
        under = args.modules_under
        if args.modules_in == "province":
            found = measured(
                "measure_tree", under, f"全国组织树上的页面与汇总，各 {args.runs} 次热请求取 p95"
            )
            result["measured_tree"] = found
            name, counties = found["scopes"]["province"], found["province_counties"]
            remove_database(url, sqlite_file)
            print(f"[{backend}] 已删除全国组织树的数据库，另建只有{name}的库", flush=True)
            prepare("_province")
            step(
                "province_tree",
                f"生成组织树（只有{name}的 {len(counties)} 个县级单位）",
                [*tree, "--counties", ",".join(counties)],
            )
            under = found["province"]
        modules = [jiceng(), "seed", *common, "--modules-only"]
        modules += ["--modules-under", under, "--timings", str(scratch / "mod.json")]
        step("modules", f"生成各业务模块（只在 {under} 之下）", modules)
        seeded = json.loads((scratch / "mod.json").read_text())
        result["modules"], result["under"] = seeded["modules"], seeded["under"]
        # the share of the nation's members: the nation's tree, wherever the modules went
        result["under"]["national_members"] = result["tree"]["members"]
        result["measured"] = measured(
            "measure", result["under"]["division"], f"页面与汇总，各 {args.runs} 次热请求取 p95"
        )
    finally:
        if sqlite_file is not None:  # PostgreSQL's cluster goes with scripts/with-postgres.sh
            remove_database(url, sqlite_file)
            print(f"[{backend}] 已删除 {sqlite_file}", flush=True)
        shutil.rmtree(scratch, ignore_errors=True)
    args.result.write_text(json.dumps(result, ensure_ascii=False, indent=1))


# -- measuring, in a process of its own with Django set up on the seeded database -----------------


def measure(args: argparse.Namespace) -> None:
    sys.path.insert(0, str(ROOT / "bench"))
    import django

    django.setup()
    from bench_workbench import quantiles
    from django.conf import settings
    from django.core.cache import cache
    from django.test import Client, override_settings

    from jiceng.accounts.models import Role, RoleAssignment, User
    from jiceng.core import clock
    from jiceng.core.paths import under
    from jiceng.divisions.models import Level
    from jiceng.orglife import compliance, rules
    from jiceng.orgs import queries
    from jiceng.orgs.models import BRANCH_KINDS, Organization, OrgKind

    # plain static storage, as bench_orglife.py: the page's own work, not a manifest lookup
    plain = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    override_settings(STORAGES=plain).enable()
    results: dict[str, dict[str, Any]] = {}

    root = Organization.objects.get(depth=1)
    local = Organization.objects.filter(kind=OrgKind.LOCAL_COMMITTEE)
    if args.province == "largest":  # as `jiceng seed --modules-under largest` chooses
        province = local.filter(depth=2).order_by("-subtree_member_count", "path").first()
    else:  # any local committee's division, as --modules-under takes
        province = local.filter(division_id=args.province.ljust(12, "0")).first()
    assert province is not None and province.division_id is not None, args.province
    committees = Organization.objects.filter(under(province.path), kind=OrgKind.LOCAL_COMMITTEE)
    county = (
        committees.filter(division__level=Level.COUNTY).order_by("-subtree_member_count").first()
    )
    city = committees.filter(division__level=Level.CITY).order_by("-subtree_member_count").first()
    branch = (
        Organization.objects.filter(under(province.path), kind__in=BRANCH_KINDS)
        .order_by("-member_count", "path")
        .first()
    )
    assert county is not None and branch is not None
    scopes = {"national": root, "province": province, "county": county, "branch": branch}

    def user_with(name: str, role: str, **where: Any) -> User:
        user, _ = User.objects.get_or_create(username=f"scale-run-{name}")
        RoleAssignment.objects.get_or_create(user=user, role=role, **where)
        return User.objects.get(pk=user.pk)

    def department(scope: str) -> Client:
        client = Client()
        client.force_login(
            user_with(scope, Role.ORGANIZATION_DEPARTMENT, organization=scopes[scope])
        )
        return client

    def record(key: str, times: list[float], note: str = "") -> None:
        median, p95, most = quantiles(times) if len(times) > 1 else (times[0],) * 3
        results[key] = {"p95": p95, "median": median, "max": most, "runs": len(times)}
        if note:
            results[key]["note"] = note
        print(f"   {key:28} p95 {p95:9.1f} ms  (median {median:.1f}, max {most:.1f})", flush=True)

    def pages(key: str, client: Client, url: str, note: str = "") -> None:
        for _ in range(3):  # warm: templates compiled, caches and pages full
            response = client.get(url)
            assert response.status_code == 200, (key, url, response.status_code)
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (key, url, response.status_code)
        record(key, times, note)

    month = rules.add_months(rules.month_of(clock.today()), -1)
    started = time.perf_counter()
    rolled = compliance.rollup_month(month)
    record(
        "compliance_rollup:national",
        [(time.perf_counter() - started) * 1000],
        f"{rules.format_month(month)}，{rolled.rows:,} 行",
    )

    reader = user_with("national", Role.ORGANIZATION_DEPARTMENT, organization=root)
    for scope in ("national", "province", "county", "branch"):

        def through_app(pk: int = scopes[scope].pk) -> None:
            # worked out again each time, as per request: the role rows, then the scope
            reader.__dict__.pop("_jiceng_role_rows", None)
            reader.__dict__.pop("_jiceng_scope", None)
            found = queries.access_organization(reader, pk)
            assert found.subtree_member_count is not None

        through_app()
        times = []
        for _ in range(args.runs):
            begun = time.perf_counter()
            through_app()
            times.append((time.perf_counter() - begun) * 1000)
        record(f"subtree_counts:{scope}", times)

    for scope in ("national", "province", "county"):
        client, org = department(scope), scopes[scope]
        pages(f"tree:{scope}", client, "/orgs/")
        pages(f"organization:{scope}", client, f"/orgs/{org.pk}/")
        pages(f"members:{scope}", client, f"/members/?org={org.pk}")
        pages(f"terms_due:{scope}", client, f"/orgs/{org.pk}/terms-due/")
    national = department("national")
    for scope in ("national", "province", "county", "branch"):
        url = f"/orglife/org/{scopes[scope].pk}/compliance/?month={rules.format_month(month)}"
        pages(f"compliance_page:{scope}", national, url)

    area = city or province  # a province of counties only (none here) ranks its own area
    assert area.division_id is not None
    ranking = Client()
    ranking.force_login(user_with("city", Role.STREET_OFFICIAL, division_id=area.division_id))
    pages("ranking:city", ranking, f"/cases/metrics/?area={area.division_id}", area.name)

    for scope in ("national", "province", "county"):
        pages(f"workbench:{scope}", department(scope), "/")
    secretary = Client()
    secretary.force_login(user_with("secretary", Role.BRANCH_SECRETARY, organization=branch))
    pages("workbench:secretary", secretary, "/", branch.name)

    settings.JICENG_DASHBOARD_CACHE_SECONDS = max(settings.JICENG_DASHBOARD_CACHE_SECONDS, 300)
    cache.clear()
    for scope in ("national", "province", "county"):
        url = f"/dashboard/org/{scopes[scope].pk}/"
        pages(f"dashboard:{scope}", department(scope), url, "看板缓存已热")
    pages("development:county", department("county"), f"/development/?org={county.pk}")

    names = {s: o.name for s, o in scopes.items()}
    names["city"] = area.name
    counties = committees.filter(division__level=Level.COUNTY).values_list("division_id", flat=True)
    found = {
        "rows": results,
        "scopes": names,
        "province": province.division_id,
        "province_counties": sorted(code[:6] for code in counties if code),
    }
    args.result.write_text(json.dumps(found, ensure_ascii=False, indent=1))


# -- the whole run ------------------------------------------------------------------------------


def tag(args: argparse.Namespace) -> str:
    """The run's name in file names: its scale, or its counties."""
    return f"counties-{args.counties.replace(',', '-')}" if args.counties else f"{args.scale:g}"


def chosen(args: argparse.Namespace) -> str:
    return f"县 {args.counties}" if args.counties else f"规模 {args.scale:g}"


def rate(tree: dict[str, Any]) -> float:
    return float(tree["rows"]) / max(float(tree["seconds"]), 1e-9)


def mib(kib: int) -> str:
    return f"{kib / 1024:,.0f} MiB"


def size(count: int) -> str:
    return f"{count / GB:,.2f} GB" if count >= GB / 10 else f"{count / 1024**2:,.1f} MB"


def on_disk(sizes: dict[str, int]) -> str:
    if "file" in sizes:
        return size(sizes["file"])
    return f"{size(sizes['database'])}（数据目录 {size(sizes['data_directory'])}）"


def commit() -> str:
    found = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    return found.stdout.strip() or "?"


def measured_table(
    args: argparse.Namespace,
    done: dict[str, dict[str, Any]],
    backends: list[str],
    measured: str,
    title: str,
) -> list[str]:
    """The results of one measuring step as a Markdown table, each row against its target."""
    lines = [
        "",
        f"Pages and rollups {title}: p95 of {args.runs} warm requests, server time in ms (in "
        "process through the whole Django stack, no socket); the compliance rollup one run. "
        "Target: the one its issue set (— none set).",
        "",
        "| what | target | " + " | ".join(f"{b} p95" for b in backends) + " | met |",
        "|---|---:|" + "---:|" * len(backends) + "---|",
    ]
    for key, what, target in MEASURED:
        figures = [done[b][measured]["rows"].get(key) for b in backends]
        cells = [f"{f['p95']:,.1f}" if f else "—" for f in figures]
        if target is None:
            verdict = "—"
        elif all(f and f["p95"] <= target for f in figures):
            verdict = "met"
        else:
            verdict = "**missed**"
        note = next((f["note"] for f in figures if f and f.get("note")), "")
        label = f"{what}（{note}）" if note else what
        shown = "—" if target is None else f"{target:,.0f}"
        lines.append(f"| {label} | {shown} | " + " | ".join(cells) + f" | {verdict} |")
    return lines


def markdown(args: argparse.Namespace, done: dict[str, dict[str, Any]], seconds: float) -> str:
    backends = [b for b in args.backends if b in done]
    first = done[backends[0]]
    under, tree = first["under"], first["tree"]
    apart = "measured_tree" in first  # --modules-in province
    share = under["members"] / max(under["national_members"], 1)
    factor = 1 / share if share else 0.0
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / GB
    lines = [
        f"### Scale run at {chosen(args)}: {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, "
        f"commit {commit()}",
        "",
        f"`{' '.join(args.command)}`, {os.cpu_count()} cores, {memory:.0f} GB of memory, "
        f"{platform.python_implementation()} {platform.python_version()}; seed {args.seed}, "
        f"data date {args.as_of}; {tree['organizations']:,} organizations and "
        f"{tree['members']:,} members in {tree['counties']:,} counties. The module seeds ran "
        f"under {under['name']} only ({under['members']:,} members, {share:.1%} of the "
        f"members): their national figures below are **extrapolated** (×{factor:.1f}, by the "
        f"province's share of the members). "
        + (
            "The nation's tree was measured, then removed, and the modules seeded and measured "
            f"in a new database of {under['name']}'s tree alone (`--modules-in province`). "
            if apart
            else ""
        )
        + f"Whole run: {seconds / 60:.1f} min.",
        "",
        "| step | " + " | ".join(backends) + " |",
        "|---|" + "---:|" * len(backends),
    ]

    def row(label: str, cell: Any) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(done[b]) for b in backends) + " |")

    def seconds_of(key: str) -> Any:
        return lambda r: f"{r['steps'][key]['seconds']:,.1f} s"

    def peak_of(key: str) -> Any:
        return lambda r: mib(r["steps"][key]["peak_kib"])

    row(
        "migrate + load-divisions",
        lambda r: f"{r['steps']['migrate']['seconds'] + r['steps']['divisions']['seconds']:,.1f} s",
    )
    row("seed the tree (command)", seconds_of("tree"))
    row(
        "seed the tree: rows, rate",
        lambda r: f"{r['tree']['rows']:,} rows, {rate(r['tree']):,.0f}/s",
    )
    row("seed the tree: peak memory", peak_of("tree"))
    row("size after the tree", lambda r: on_disk(r["sizes"]["tree"]))
    if apart:
        row("measuring the nation's tree", seconds_of("measure_tree"))
        row(
            f"a new database: migrate + load-divisions + the tree of {under['name']} alone",
            lambda r: f"{sum(r['steps'][k]['seconds'] for k in PROVINCE_STEPS):,.1f} s",
        )
        row(
            f"size after the tree of {under['name']}",
            lambda r: on_disk(r["sizes"]["province_tree"]),
        )
    row(f"seed the modules, {under['name']} (command)", seconds_of("modules"))
    row(
        "seed the modules, national (**extrapolated**)",
        lambda r: f"{r['steps']['modules']['seconds'] * factor:,.0f} s",
    )
    row("seed the modules: peak memory", peak_of("modules"))
    for module in first["modules"]:
        key = module["key"]
        row(
            f"· {key} (province / **extrapolated** national)",
            lambda r, k=key: next(
                f"{m['seconds']:,.1f} s / {m['seconds'] * factor:,.0f} s"
                for m in r["modules"]
                if m["key"] == k
            ),
        )

    def growth(r: dict[str, Any]) -> int:
        after = r["sizes"]["modules"]
        before = r["sizes"]["province_tree" if apart else "tree"]
        field = "file" if "file" in after else "database"
        return int(after[field]) - int(before[field])

    row("size after the modules", lambda r: on_disk(r["sizes"]["modules"]))
    row(
        "the modules' data, national (**extrapolated**)",
        lambda r: size(int(max(growth(r), 0) * factor)),
    )
    row("measuring: peak memory", peak_of("measure"))
    where = (
        f"in the database of {under['name']}'s tree alone with its modules (national scopes "
        "there see that province only)"
        if apart
        else "on the nation's tree with the province's modules"
    )
    tables = [("measured_tree", "on the nation's tree, no module data"), ("measured", where)]
    for measured, title in tables if apart else tables[1:]:
        lines += measured_table(args, done, backends, measured, title)
    scopes = first["measured"]["scopes"]
    lines += [
        "",
        "Scopes: " + ", ".join(f"{k} {v}" for k, v in scopes.items()) + ". "
        "Peak memory is the largest resident set of a step's processes (the command and the "
        "workers it waited for); the PostgreSQL server's own processes are not counted. "
        "Rectification's seed rolls up compliance and runs the detection over the whole tree, "
        "and points post from the attendance wherever it is, so their extrapolation by the "
        "province's share is an upper bound. Each database was removed after measuring.",
    ]
    return "\n".join(lines) + "\n"


def run(args: argparse.Namespace) -> None:
    args.out.mkdir(parents=True, exist_ok=True)
    places = {"sqlite": args.out, "postgres": ROOT / "var"}
    # named counties: a few at most, whatever --scale says
    scale = 0.001 if args.counties else args.scale
    check_disk({b: places[b] for b in args.backends}, scale, args.need_gb)
    started = time.perf_counter()
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    done: dict[str, dict[str, Any]] = {}
    for backend in args.backends:
        result = args.out / f"scale-run-{tag(args)}-{stamp}-{backend}.json"
        inner = [sys.executable, str(Path(__file__).resolve()), "database", "--backend", backend]
        inner += ["--result", str(result), "--out", str(args.out), "--scale", f"{args.scale:g}"]
        inner += [
            "--seed",
            str(args.seed),
            "--workers",
            str(args.workers),
            "--runs",
            str(args.runs),
        ]
        inner += ["--as-of", args.as_of.isoformat(), "--modules-under", args.modules_under]
        inner += ["--modules-in", args.modules_in]
        if args.counties:
            inner += ["--counties", args.counties]
        if args.divisions_file:
            inner += ["--divisions-file", str(args.divisions_file)]
        if backend == "postgres":
            inner = [str(ROOT / "scripts" / "with-postgres.sh"), *inner]
        print(
            f"\n######## {backend}：开始（已用 {(time.perf_counter() - started) / 60:.1f} 分钟）",
            flush=True,
        )
        env = dict(os.environ)
        env.pop("DATABASE_URL", None)
        finished = subprocess.run(inner, cwd=ROOT, env=env, check=False)
        if finished.returncode != 0:
            sys.exit(f"{backend} 一轮失败（退出码 {finished.returncode}）")
        done[backend] = json.loads(result.read_text())
        result.unlink()
    block = markdown(args, done, time.perf_counter() - started)
    target = args.out / f"scale-run-{tag(args)}-{stamp}.md"
    target.write_text(block, encoding="utf-8")
    target.with_suffix(".json").write_text(json.dumps(done, ensure_ascii=False, indent=1))
    print("\n" + block, flush=True)
    print(f"写入 {target}", flush=True)


def options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", type=float, default=1.0, help="规模，0到1（默认1）")
    parser.add_argument("--counties", default="", help="只生成这些县（逗号分隔），代替 --scale")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    parser.add_argument("--runs", type=int, default=50, help="每个页面的热请求次数（默认50）")
    parser.add_argument(
        "--as-of",
        type=dt.date.fromisoformat,
        default=dt.date.today(),  # the seed's data date: the machine's day
        help="数据日期（默认今天：上个完整月份有会议，工作台与看板展示的正是这个月）",
    )
    parser.add_argument("--modules-under", default="largest", help="区划代码或 largest")
    parser.add_argument(
        "--modules-in",
        choices=("province", "nation"),
        default="province",
        help="各业务模块生成在只有该省组织树的新库里（默认，全国树先测后删），或全国树上",
    )
    parser.add_argument("--divisions-file", type=Path, default=None, help="load-divisions --file")
    parser.add_argument("--out", type=Path, default=OUT)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command_name")
    whole = commands.add_parser("run", help="两种数据库依次跑完（默认）")
    options(whole)
    whole.add_argument("--backends", default="sqlite,postgres", help="逗号分隔：sqlite、postgres")
    whole.add_argument("--need-gb", type=float, default=None, help="可用磁盘下限（GB）")
    database = commands.add_parser("database", help="（内部）一种数据库的各步骤")
    options(database)
    database.add_argument("--backend", choices=BACKENDS, required=True)
    database.add_argument("--result", type=Path, required=True)
    measured = commands.add_parser("measure", help="（内部）测量页面与汇总")
    measured.add_argument("--runs", type=int, default=50)
    measured.add_argument("--province", required=True)
    measured.add_argument("--result", type=Path, required=True)
    argv = sys.argv[1:]
    if not argv or argv[0] not in {"run", "database", "measure", "-h", "--help"}:
        argv = ["run", *argv]
    args = parser.parse_args(argv)
    if args.command_name == "measure":
        measure(args)
    elif args.command_name == "database":
        args.out = args.out.resolve()
        one_database(args)
    else:
        args.command = [Path(sys.argv[0]).as_posix(), *sys.argv[1:]]
        args.out = args.out.resolve()
        args.backends = [b.strip() for b in args.backends.split(",") if b.strip()]
        unknown = set(args.backends) - set(BACKENDS)
        if unknown:
            sys.exit(f"不认识的数据库：{'、'.join(sorted(unknown))}（可选 sqlite、postgres）")
        run(args)


if __name__ == "__main__":
    main()
