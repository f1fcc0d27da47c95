"""The admissions of each year summed up the tree (AdmissionTally), for the plan's progress
(发展计划完成情况): one row at any level instead of a count over the subtree's step records,
which at a national root is every admission of the year in the country."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import F

from jiceng.orgs import rollups
from jiceng.orgs.models import Organization

from .models import AdmissionTally, Applicant, Outcome, Step, StepRecord


def ancestor_paths(path: str) -> list[str]:
    step = Organization.steplen
    return [path[:i] for i in range(step, len(path) + 1, step)]


def add_admission(*, organization: Organization, year: int) -> None:
    """One admission approved at `organization` in `year`: its row and each ancestor's move
    by one (one statement on the path index), a row made for those that had none."""
    paths = ancestor_paths(organization.path)
    rows = AdmissionTally.objects.filter(organization__path__in=paths, year=year)
    rows.update(admitted=F("admitted") + 1)
    have = set(rows.values_list("organization__path", flat=True))
    missing = Organization.objects.filter(path__in=[p for p in paths if p not in have])
    AdmissionTally.objects.bulk_create(
        [
            AdmissionTally(organization_id=pk, year=year, admitted=1)
            for pk in missing.values_list("pk", flat=True)
        ]
    )


def admitted(organization: Organization, year: int) -> int:
    found = AdmissionTally.objects.filter(organization=organization, year=year).values_list(
        "admitted", flat=True
    )
    return next(iter(found), 0)


def follow_move(
    *, organization: Organization, old_parent_path: str, new_parent_path: str, **_: object
) -> None:
    """The receiver of orgs.signals.organization_moved (connected in DevelopmentConfig.ready):
    every year's admissions of the moved subtree leave its old ancestors and join its new ones,
    in the move's transaction."""
    rollups.move_keyed_rows(
        AdmissionTally,
        key="year",
        columns=("admitted",),
        organization=organization,
        old_parent_path=old_parent_path,
        new_parent_path=new_parent_path,
    )


@transaction.atomic
def rebuild() -> None:
    """Every year's tallies again from the approved admissions: one grouped statement per
        depth, each admission counted at its branch's ancestor of that depth (the prefix of the
        branch's path, an equality on the path index). An admission carried from another province
        instance with a transfer (development.carrying) was counted there, not here; one whose file
    followed its member to another branch here (development.following) is counted at the branch
    that approved it (the step's branch), as add_admission counted it."""
    tally, step = AdmissionTally._meta.db_table, StepRecord._meta.db_table
    applicant, organizations = Applicant._meta.db_table, Organization._meta.db_table
    year = (
        "CAST(strftime('%%Y', s.done_on) AS INTEGER)"
        if connection.vendor == "sqlite"
        else "CAST(EXTRACT(YEAR FROM s.done_on) AS INTEGER)"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {tally}")  # noqa: S608 - our table
        cursor.execute(f"SELECT COALESCE(MAX(depth), 0) FROM {organizations}")  # noqa: S608
        deepest = int(cursor.fetchone()[0])
        for depth in range(1, deepest + 1):
            cursor.execute(
                f"""
                INSERT INTO {tally} (organization_id, year, admitted)
                SELECT a.id, {year}, COUNT(*)
                FROM {step} s
                JOIN {applicant} p ON p.id = s.applicant_id
                JOIN {organizations} o ON o.id = COALESCE(s.branch_id, p.organization_id)
                JOIN {organizations} a ON a.path = SUBSTR(o.path, 1, %s)
                WHERE s.step = %s AND s.outcome = %s AND o.depth >= %s AND NOT s.is_carried
                GROUP BY a.id, {year}
                """,  # noqa: S608 - table names are ours; values are parameters
                [
                    depth * Organization.steplen,
                    Step.ADMISSION_APPROVAL.value,
                    Outcome.APPROVED.value,
                    depth,
                ],
            )
