"""Rows inside a reach, read from the side that is smaller.

`Reach.organization_q` joins the rows to their organization and keeps those whose path lies in
the reach's ranges; SQLite then reads the organizations of the range first and probes the rows'
index for each. For a street that is the short way. For a national or provincial department
it probes millions of organizations to find a few hundred members who lost contact, or to
count a hundred late cases; there the short way is the rows' own index (a status, a step, a
deadline), each row tested by one primary-key lookup of its organization, and a LIMIT stops the
walk early. `inside` chooses by the size of the reach, read from the rollups (one row each);
PostgreSQL plans both forms from its statistics and finds the same answer either way.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q

from jiceng.accounts.scoping import Reach

from .models import Organization

# Above this many grassroots organizations in the reach, the rows are read first (the same
# bound above which the workbench keeps a panel's reads a while: web.workbench.kept_when_big).
BIG_REACH = 10_000


def organizations_in(reach: Reach) -> int:
    """How many grassroots organizations the reach's subtrees hold (their rollups); a reach
    by division counts as big (its size is not kept)."""
    if reach.division_prefixes:
        return BIG_REACH + 1
    if not reach.paths:
        return 0
    counts = Organization.objects.filter(path__in=reach.paths).values_list(
        "subtree_org_count", flat=True
    )
    return sum(counts)


def inside(reach: Reach, organization_field: str = "organization_id", prefix: str = "") -> Q:
    """Rows whose organization lies inside `reach`. `organization_field` is the rows' foreign
    key to it ("organization_id", "member__organization_id"), `prefix` the lookup path to the
    organization ("organization__", "member__organization__"). Small reach: the join; big
    reach: a correlated EXISTS on the organization's primary key, so the rows' own index
    leads."""
    if organizations_in(reach) <= BIG_REACH:
        return reach.organization_q(prefix)
    return Q(
        Exists(Organization.objects.filter(reach.organization_q(), pk=OuterRef(organization_field)))
    )
