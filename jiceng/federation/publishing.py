"""A province fills its published tables from its own (`jiceng federation-publish`), and the
national instance subscribes to them.

The refresh is an upsert that writes only the rows whose figures changed (IS DISTINCT FROM),
and deletes the rows of organizations that are gone: a run with nothing new writes nothing, so
logical replication carries only what changed. Every row is keyed (province code, local id),
so however often a row is sent again, after a province was down for an hour or a subscription
caught up, the national instance holds it once: nothing is counted twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import connection, transaction

from jiceng.core import audit
from jiceng.core.errors import InvalidInput
from jiceng.core.paths import under_sql
from jiceng.orglife.models import Compliance
from jiceng.orgs.models import Organization

from . import keys
from .models import PublishedCompliance, PublishedOrganization

PUBLICATION = "jiceng_federation"

ORG_FIGURES = (
    "parent_local_id",
    "depth",
    "path",
    "name",
    "kind",
    "sector",
    "division_code",
    "dissolved_on",
    "member_count",
    "full_member_count",
    "subtree_member_count",
    "subtree_branch_count",
    "subtree_org_count",
)
COMPLIANCE_FIGURES = (
    "depth",
    "branches",
    "compliant",
    "missing",
    "pending",
    "members_without_talk",
    "expected",
    "present",
)


@dataclass(frozen=True)
class Published:
    organizations: int  # rows written (new or changed)
    organizations_removed: int
    compliance: int
    compliance_removed: int


def province_root() -> Organization:
    """The province's top organization: the highest one placed in the province's division."""
    code = keys.province_code()
    if not code:
        raise InvalidInput("本实例不是省级实例（未设置 JICENG_FEDERATION_PROVINCE），无可发布内容")
    root = Organization.objects.filter(division_id=code).order_by("depth", "path").first()
    if root is None:
        raise InvalidInput(f"行政区划 {code} 下没有党组织，无可发布内容")
    return root


def _upsert(table: str, key: tuple[str, ...], figures: tuple[str, ...], select: str) -> str:
    columns = ", ".join((*key, *figures))
    sets = ", ".join(f"{c} = excluded.{c}" for c in figures)
    changed = " OR ".join(f"{table}.{c} IS DISTINCT FROM excluded.{c}" for c in figures)
    return (
        f"INSERT INTO {table} ({columns}) {select} "
        f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET {sets} WHERE {changed}"
    )


@transaction.atomic
def publish() -> Published:
    """Brings the published tables of this province up to date with its own tables."""
    root = province_root()
    code = keys.province_code()
    org = Organization._meta.db_table
    compliance = Compliance._meta.db_table
    published = PublishedOrganization._meta.db_table
    published_compliance = PublishedCompliance._meta.db_table
    top = root.depth
    step = Organization.steplen
    with connection.cursor() as cursor:
        select = f"""
            SELECT %s, o.id, p.id, o.depth - %s, o.path, o.name, o.kind, o.sector,
                   COALESCE(o.division_id, ''), o.dissolved_on, o.member_count,
                   o.full_member_count, o.subtree_member_count, o.subtree_branch_count,
                   o.subtree_org_count
            FROM {org} o
            LEFT JOIN {org} p
              ON o.depth > %s AND p.path = SUBSTR(o.path, 1, LENGTH(o.path) - {step})
            WHERE {under_sql("o.path", "%s")}
        """  # noqa: S608 - table names and an integer, no user input
        cursor.execute(
            _upsert(published, ("province_code", "local_id"), ORG_FIGURES, select),
            [code, top, top, root.path, root.path],
        )
        organizations = cursor.rowcount
        cursor.execute(
            f"""DELETE FROM {published} WHERE province_code = %s AND NOT EXISTS (
                SELECT 1 FROM {org} o WHERE o.id = {published}.local_id
                AND {under_sql("o.path", "%s")})""",  # noqa: S608
            [code, root.path, root.path],
        )
        organizations_removed = cursor.rowcount
        select = f"""
            SELECT %s, c.organization_id, c.month, c.depth - %s, c.branches, c.compliant,
                   c.missing, c.pending, c.members_without_talk, c.expected, c.present
            FROM {compliance} c WHERE {under_sql("c.path", "%s")}
        """  # noqa: S608
        cursor.execute(
            _upsert(
                published_compliance,
                ("province_code", "local_id", "month"),
                COMPLIANCE_FIGURES,
                select,
            ),
            [code, top, root.path, root.path],
        )
        compliance_written = cursor.rowcount
        cursor.execute(
            f"""DELETE FROM {published_compliance} WHERE province_code = %s AND NOT EXISTS (
                SELECT 1 FROM {compliance} c
                WHERE c.organization_id = {published_compliance}.local_id
                AND c.month = {published_compliance}.month
                AND {under_sql("c.path", "%s")})""",  # noqa: S608
            [code, root.path, root.path],
        )
        compliance_removed = cursor.rowcount
    result = Published(organizations, organizations_removed, compliance_written, compliance_removed)
    if organizations or organizations_removed or compliance_written or compliance_removed:
        audit.record(
            audit.AuditEvent.WRITE,
            action="federation.publish",
            target_type="federation.publication",
            target_id=code,
            detail=result.__dict__,
        )
    return result


def ensure_publication() -> bool:
    """CREATE PUBLICATION for the published tables, once (PostgreSQL); True if made now."""
    if connection.vendor != "postgresql":
        raise InvalidInput("逻辑复制需要 PostgreSQL（wal_level=logical）")
    tables = (PublishedOrganization._meta.db_table, PublishedCompliance._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", [PUBLICATION])
        if cursor.fetchone():
            return False
        cursor.execute(f"CREATE PUBLICATION {PUBLICATION} FOR TABLE {', '.join(tables)}")
    return True


def subscription_name(province: str) -> str:
    if not province.isdigit() or len(province) != 12:
        raise InvalidInput(f"省级行政区划代码应为12位数字：{province}")
    return f"jiceng_{province}"


def ensure_subscription(*, province: str, conninfo: str) -> bool:
    """CREATE SUBSCRIPTION to a province's publication, once (on the national instance; needs a
    superuser). The first copy brings the province's rows; then its changes follow. True if
    made now."""
    if connection.vendor != "postgresql":
        raise InvalidInput("逻辑复制需要 PostgreSQL")
    name = subscription_name(province)
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_subscription WHERE subname = %s", [name])
        if cursor.fetchone():
            return False
        quoted = conninfo.replace("'", "''")
        # CREATE SUBSCRIPTION cannot run inside a transaction block: autocommit here
        cursor.execute(
            f"CREATE SUBSCRIPTION {name} CONNECTION '{quoted}' PUBLICATION {PUBLICATION}"
        )
    return True
