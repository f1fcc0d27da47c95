"""Reads of transfers and mobile members, scoped to the user (accounts.scoping): a transfer is
seen by whoever sees its sending or its receiving organization (their approving committees
are above them); a registration by whoever sees its home or its host. The member behind a
transfer in progress and the meetings of a hosted mobile member come through the scope's
grants (transfers.grants), never through a filter here."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from jiceng.accounts.models import User
from jiceng.accounts.permissions import Permission
from jiceng.accounts.scoping import GrantKind, scope_of
from jiceng.core import clock
from jiceng.core.errors import not_found
from jiceng.orglife.models import Attendance
from jiceng.orgs.models import GRASSROOTS_KINDS, Organization

from .models import (
    CURRENT_MOBILE_STATES,
    OPEN_STATES,
    MobileRegistration,
    MobileState,
    Transfer,
    TransferKind,
    TransferState,
)

S = TransferState
RELATED = ("member", "from_organization", "to_organization", "out_approver", "in_approver")


def transfers_for(user: User) -> QuerySet[Transfer]:
    scope = scope_of(user)
    q = scope.organization_q(Permission.VIEW_MEMBERS, prefix="from_organization__")
    q |= scope.organization_q(Permission.VIEW_MEMBERS, prefix="to_organization__")
    return Transfer.objects.filter(q)


def access_transfer(user: User, pk: int) -> Transfer:
    found = transfers_for(user).filter(pk=pk).select_related(*RELATED, "letter_issuer").first()
    if found is None:
        raise not_found("组织关系转接")
    return found


def _managed(user: User, prefix: str) -> Q:
    return scope_of(user).organization_q(Permission.MANAGE_MEMBERS, prefix=prefix)


def waiting_for(user: User) -> QuerySet[Transfer]:
    """The transfers whose next step is the user's (workflow.STEPS: who acts at each state)."""
    q = (
        (Q(state=S.SENT) & _managed(user, "out_approver__"))
        | (Q(state=S.OUT_APPROVED) & _managed(user, "in_approver__"))
        | (Q(state=S.IN_APPROVED) & _managed(user, "to_organization__"))
        | (Q(state=S.RETURNED) & _managed(user, "from_organization__"))
    )
    return Transfer.objects.filter(q).select_related(*RELATED).order_by("updated_at", "pk")


def outgoing(user: User) -> QuerySet[Transfer]:
    return (
        Transfer.objects.filter(_managed(user, "from_organization__"))
        .select_related(*RELATED)
        .order_by("-updated_at", "-pk")
    )


def incoming(user: User) -> QuerySet[Transfer]:
    return (
        Transfer.objects.filter(_managed(user, "to_organization__"))
        .select_related(*RELATED)
        .order_by("-updated_at", "-pk")
    )


def late_letters(user: User) -> QuerySet[Transfer]:
    """Letters of the user's branches whose receipt is overdue (回执逾期)."""
    return (
        Transfer.objects.filter(
            _managed(user, "from_organization__"),
            kind=TransferKind.LETTER,
            state=S.LETTER_ISSUED,
            receipt_due__lt=clock.today(),
        )
        .select_related(*RELATED)
        .order_by("receipt_due", "pk")
    )


def transfers_of_member(user: User, member_id: int) -> list[Transfer]:
    """The member page's list (the caller has accessed the member)."""
    return list(
        transfers_for(user)
        .filter(member_id=member_id)
        .select_related(*RELATED)
        .order_by("-started_at", "-pk")
    )


def open_transfer_of(member_id: int) -> Transfer | None:
    return Transfer.objects.filter(member_id=member_id, state__in=OPEN_STATES).first()


def receiving_candidates(text: str, *, limit: int = 20) -> list[Organization]:
    """Organizations that can receive members, found by name anywhere in the tree: a transfer
    is addressed to a branch the sender does not see. Names and places only, never members."""
    text = " ".join(text.split())
    if len(text) < 2:
        return []
    return list(
        Organization.objects.filter(
            name__contains=text, kind__in=GRASSROOTS_KINDS, dissolved_on__isnull=True
        )
        .select_related("division")
        .order_by("path")[:limit]
    )


def find_receiver(pk: int) -> Organization:
    found = Organization.objects.filter(pk=pk).first()
    if found is None:
        raise not_found("党组织")
    return found


def letter_of_token(token: str) -> Transfer | None:
    """The letter a verification code names (public page: the caller shows only its number,
    validity and state)."""
    if not token or len(token) > 40:
        return None
    return (
        Transfer.objects.filter(letter_token=token, kind=TransferKind.LETTER)
        .select_related("member", "letter_issuer")
        .first()
    )


# -- 流动党员 ----------------------------------------------------------------------------------


def registrations_for(user: User) -> QuerySet[MobileRegistration]:
    scope = scope_of(user)
    q = scope.organization_q(Permission.VIEW_MEMBERS, prefix="home__")
    q |= scope.organization_q(Permission.VIEW_MEMBERS, prefix="host__")
    return MobileRegistration.objects.filter(q).select_related("member", "home", "host")


def access_registration(user: User, pk: int) -> MobileRegistration:
    found = registrations_for(user).filter(pk=pk).first()
    if found is None:
        raise not_found("流动党员登记")
    return found


def away_from(user: User) -> QuerySet[MobileRegistration]:
    """Members of the user's organizations registered elsewhere (流出)."""
    return (
        MobileRegistration.objects.filter(_managed(user, "home__"), state__in=CURRENT_MOBILE_STATES)
        .select_related("member", "home", "host")
        .order_by("-started_at", "-pk")
    )


def hosted_by(user: User) -> QuerySet[MobileRegistration]:
    """Members registered with the user's organizations (流入), those to accept first."""
    return (
        MobileRegistration.objects.filter(_managed(user, "host__"), state__in=CURRENT_MOBILE_STATES)
        .select_related("member", "home", "host")
        .order_by("-state", "-started_at", "-pk")
    )


def current_registration_of(member_id: int) -> MobileRegistration | None:
    return (
        MobileRegistration.objects.filter(member_id=member_id, state__in=CURRENT_MOBILE_STATES)
        .select_related("host", "home")
        .first()
    )


def meetings_of_hosted(user: User, registration: MobileRegistration) -> list[Attendance]:
    """A hosted member's meetings (home and host), for the host: through the scope's grant
    (GrantKind.MOBILE_MEMBER), and for the home branch through its own reach."""
    granted = scope_of(user).granted_ids(GrantKind.MOBILE_MEMBER, Permission.MANAGE_MEETINGS)
    home = registration.home
    at_home = scope_of(user).allows(
        Permission.MANAGE_MEETINGS, path=home.path, division_id=home.division_id
    )
    if registration.member_id not in granted and not at_home:
        return []
    return list(
        Attendance.objects.filter(member_id=registration.member_id)
        .select_related("meeting", "meeting__organization")
        .order_by("-meeting__starts_at")[:24]
    )


def mobile_states() -> list[tuple[str, str]]:
    return MobileState.choices


def receiving_candidates_by_id(pk: int) -> list[Organization]:
    """The organization a form already chose, shown again beside the search's matches."""
    return list(
        Organization.objects.filter(
            pk=pk, kind__in=GRASSROOTS_KINDS, dissolved_on__isnull=True
        ).select_related("division")
    )
