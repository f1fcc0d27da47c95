"""The member page's 组织关系转接 card (members/detail.html): the member's transfers and mobile
registration as the viewer may see them, and the buttons to start one for those who manage
the member."""

from __future__ import annotations

from typing import Any

from django import template

from jiceng.federation.keys import is_configured as federation_configured
from jiceng.federation.models import RemoteTransfer
from jiceng.members.models import Member

from .. import queries
from ..models import TransferState

register = template.Library()


@register.inclusion_tag("transfers/_member_card.html", takes_context=True)
def member_transfers(context: template.Context, member: Member, can_manage: bool) -> dict[str, Any]:
    user = context["request"].user
    open_transfer = queries.open_transfer_of(member.pk)
    can_manage = can_manage and member.is_active
    return {
        "member": member,
        "can_manage": can_manage,
        "transfers": queries.transfers_of_member(user, member.pk),
        "open": open_transfer,
        # a returned cross-province transfer: its receiver may be chosen again
        "redirect": can_manage
        and federation_configured()
        and open_transfer is not None
        and open_transfer.state == TransferState.RETURNED
        and RemoteTransfer.objects.filter(transfer=open_transfer).exists(),
        "mobile": queries.current_registration_of(member.pk),
        # 跨省转接: only where this instance exchanges with other province instances
        "cross_province": federation_configured(),
    }
