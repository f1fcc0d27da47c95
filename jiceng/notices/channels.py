"""The channels a notice goes out by beyond the site's notice centre (通知渠道): e-mail through
Django's EMAIL_BACKEND and SMS through the gateway of JICENG_SMS_BACKEND (notices.sms), those
JICENG_NOTICE_CHANNELS names.

Called from the tasks that write the notices, never from a request: a phone number is unsealed
here, inside the sending task, handed to the gateway and dropped; the logs name only counts."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from jiceng.accounts.models import User
from jiceng.core import crypto
from jiceng.members.models import Member
from jiceng.members.services import PHONE_FIELD

from . import sms

logger = logging.getLogger(__name__)

SUBJECT = "基层党建云平台通知"
SMS_SIGNATURE = "【基层党建】"


@dataclass(frozen=True)
class Recipient:
    email: str = ""
    phone_sealed: bytes | None = None


@dataclass
class Delivered:
    email: int = 0
    sms: int = 0


def channels() -> set[str]:
    return set(settings.JICENG_NOTICE_CHANNELS)


def recipients_of_users(user_ids: Iterable[int]) -> dict[int, Recipient]:
    """Each user's e-mail address, and the phone of the member the account belongs to."""
    rows = User.objects.filter(pk__in=set(user_ids)).values_list(
        "pk", "email", "member__phone_sealed"
    )
    return {pk: Recipient(email or "", _bytes(phone)) for pk, email, phone in rows}


def recipients_of_members(member_ids: Iterable[int]) -> dict[int, Recipient]:
    """Each member's phone, and the e-mail address of the member's account, if any."""
    rows = Member.objects.filter(pk__in=set(member_ids)).values_list(
        "pk", "user__email", "phone_sealed"
    )
    return {pk: Recipient(email or "", _bytes(phone)) for pk, email, phone in rows}


def _bytes(value: bytes | memoryview | None) -> bytes | None:
    return bytes(value) if value else None  # PostgreSQL hands back a memoryview


def deliver(messages: Sequence[tuple[Recipient, str]]) -> Delivered:
    """Sends each (recipient, text) by every channel in use that the recipient can be reached
    by. A channel that fails is logged and skipped: the notice is in the centre already."""
    delivered = Delivered()
    wanted = channels()
    if "email" in wanted:
        delivered.email = _send_email(messages)
    if "sms" in wanted:
        delivered.sms = _send_sms(messages)
    if delivered.email or delivered.sms:
        logger.info("notices sent: %d e-mail, %d SMS", delivered.email, delivered.sms)
    return delivered


def _send_email(messages: Sequence[tuple[Recipient, str]]) -> int:
    emails = [
        EmailMessage(SUBJECT, text, to=[recipient.email])
        for recipient, text in messages
        if recipient.email
    ]
    if not emails:
        return 0
    try:
        return get_connection().send_messages(emails) or 0
    except Exception as exc:  # any backend's failure; the addresses stay out of the log
        logger.warning("e-mail notices not sent (%d): %s", len(emails), type(exc).__name__)
        return 0


def _send_sms(messages: Sequence[tuple[Recipient, str]]) -> int:
    outgoing: list[sms.SmsMessage] = []
    unreadable = 0
    for recipient, text in messages:
        if recipient.phone_sealed is None:
            continue
        try:
            phone = crypto.unseal(recipient.phone_sealed, field=PHONE_FIELD)
        except crypto.DecryptionError:
            unreadable += 1
            continue
        outgoing.append(sms.SmsMessage(phone=phone, text=SMS_SIGNATURE + text))
    if unreadable:
        logger.warning("SMS notices: %d phone numbers no key opens", unreadable)
    if not outgoing:
        return 0
    try:
        return sms.backend().send_messages(outgoing)
    except Exception as exc:  # any gateway's failure; the numbers stay out of the log
        logger.warning("SMS notices not sent (%d): %s", len(outgoing), type(exc).__name__)
        return 0
