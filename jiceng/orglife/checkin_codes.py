"""Check-in codes (签到码): what the QR code shown at the meeting carries, and renewing it."""

from __future__ import annotations

import secrets

from django.core import signing
from django.db import transaction

from jiceng.accounts.models import User
from jiceng.core import audit
from jiceng.core.errors import InvalidInput

from .checks import check_can_manage
from .models import Meeting

CHECKIN_SALT = "jiceng.orglife.checkin"


def checkin_token(meeting: Meeting) -> str:
    """What the QR code carries: the meeting signed with its own secret, so that renewing the
    secret (a photo of the code went round) voids every code shown before."""
    return signing.dumps([meeting.pk, meeting.checkin_secret[:8]], salt=CHECKIN_SALT)


def meeting_of_token(token: str) -> Meeting:
    try:
        pk, tag = signing.loads(token, salt=CHECKIN_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        raise InvalidInput("签到码无效，请重新扫描会场的二维码") from None
    meeting = Meeting.objects.select_related("organization").filter(pk=pk).first()
    if meeting is None or meeting.checkin_secret[:8] != tag:
        raise InvalidInput("签到码已失效，请重新扫描会场的二维码")
    return meeting


@transaction.atomic
def renew_checkin_code(*, meeting: Meeting, by: User | None) -> Meeting:
    check_can_manage(by, meeting.organization)
    Meeting.objects.filter(pk=meeting.pk).update(checkin_secret=secrets.token_hex(16))
    audit.record(
        audit.AuditEvent.WRITE, action="orglife.renew_checkin_code", target=meeting, user=by
    )
    return Meeting.objects.get(pk=meeting.pk)
