"""Reads of the published tables on the national instance: each province's totals and its
tree's top levels. A province's totals are its top organization's rollups (depth 0), so they
are read from one row a province and never summed over a subtree twice."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser
from django.db.models import Max

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import scope_of
from jiceng.orgs.models import Organization

from .models import PublishedCompliance, PublishedOrganization

PERMISSION = Permission.VIEW_ORGANIZATIONS


@dataclass(frozen=True)
class ProvinceFigures:
    province_code: str
    name: str
    local_id: int
    members: int
    branches: int
    organizations: int
    month: int | None
    compliance_branches: int
    compliant: int

    @property
    def compliance_rate(self) -> float | None:
        if not self.compliance_branches:
            return None
        return round(100 * self.compliant / self.compliance_branches, 1)


def province_figures() -> list[ProvinceFigures]:
    """One line per province instance whose rows have arrived, by division code."""
    tops = list(PublishedOrganization.objects.filter(depth=0).order_by("province_code", "path"))
    month = PublishedCompliance.objects.filter(depth=0).aggregate(m=Max("month"))["m"]
    compliance = {
        (c.province_code, c.local_id): c
        for c in PublishedCompliance.objects.filter(depth=0, month=month or 0)
    }
    lines = []
    for top in tops:
        c = compliance.get((top.province_code, top.local_id))
        lines.append(
            ProvinceFigures(
                province_code=top.province_code,
                name=top.name,
                local_id=top.local_id,
                members=top.subtree_member_count,
                branches=top.subtree_branch_count,
                organizations=top.subtree_org_count,
                month=month,
                compliance_branches=c.branches if c else 0,
                compliant=c.compliant if c else 0,
            )
        )
    return lines


def children(*, province_code: str, local_id: int) -> list[PublishedOrganization]:
    """The organizations right under one published organization, in tree order."""
    return list(
        PublishedOrganization.objects.filter(
            province_code=province_code, parent_local_id=local_id
        ).order_by("path")
    )


def organization(*, province_code: str, local_id: int) -> PublishedOrganization | None:
    return PublishedOrganization.objects.filter(
        province_code=province_code, local_id=local_id
    ).first()


def sees_nation(user: User | AnonymousUser) -> bool:
    """The provinces' figures are for those who see the whole national tree here: the
    organization department of the national instance (VIEW_ORGANIZATIONS at its root)."""
    if not user.is_authenticated:
        return False
    root = Organization.objects.filter(depth=1).order_by("path").first()
    if root is None:
        return False
    return scope_of(user).allows(PERMISSION, path=root.path, division_id=root.division_id)
