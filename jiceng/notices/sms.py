"""SMS through a gateway (短信网关), behind JICENG_SMS_BACKEND as Django's e-mail is behind
EMAIL_BACKEND: a class with `send_messages(messages) -> int`.

The backends here: `FileBackend` (development: one line per message appended to a file
under the var directory, the phone masked), `LocmemBackend` (tests: kept in `outbox`) and
`NullBackend` (sends nothing). A real gateway (an operator's or a cloud SMS service) is a class
of the same shape in the deployment's own module; it is the only place the full number leaves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Protocol

from django.conf import settings
from django.utils.module_loading import import_string

from jiceng.core import clock, masking


@dataclass(frozen=True)
class SmsMessage:
    phone: str  # the full number: unsealed in the sending task, never logged as it is
    text: str

    @property
    def masked_phone(self) -> str:
        return masking.mask_phone(self.phone)


class SmsBackend(Protocol):
    def send_messages(self, messages: list[SmsMessage]) -> int: ...


def backend() -> SmsBackend:
    found: type[SmsBackend] = import_string(settings.JICENG_SMS_BACKEND)
    return found()


class NullBackend:
    def send_messages(self, messages: list[SmsMessage]) -> int:
        return 0


class LocmemBackend:
    """Keeps what it sends in `outbox` (the tests read it), as Django's locmem e-mail does."""

    outbox: ClassVar[list[SmsMessage]] = []

    def send_messages(self, messages: list[SmsMessage]) -> int:
        LocmemBackend.outbox.extend(messages)
        return len(messages)


class FileBackend:
    """Development: appends each message as a JSON line to `outbox.jsonl` in
    JICENG_SMS_FILE_PATH (var/sms), the number masked: the file is a log anyone on the machine
    may read, not a gateway."""

    def send_messages(self, messages: list[SmsMessage]) -> int:
        folder = Path(settings.JICENG_SMS_FILE_PATH)
        folder.mkdir(parents=True, exist_ok=True)
        at = clock.now().isoformat()
        lines = [
            json.dumps({"at": at, "to": m.masked_phone, "text": m.text}, ensure_ascii=False)
            for m in messages
        ]
        with (folder / "outbox.jsonl").open("a", encoding="utf-8") as out:
            out.writelines(line + "\n" for line in lines)
        return len(messages)
