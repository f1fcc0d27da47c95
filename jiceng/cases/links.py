"""The citizen's links to a case: the public tracking page and the submitter's own page, which
takes feedback. Reversed once per process: a reverse() cost more of an intake than its checks."""

from __future__ import annotations

import functools

from django.urls import reverse


@functools.cache
def _template(name: str, *args: str) -> str:
    path = reverse(name, args=[f"ARG{i}X" for i in range(len(args))])
    for i, placeholder in enumerate(args):
        path = path.replace(f"ARG{i}X", "{" + placeholder + "}")
    return path


def track_path(token: str) -> str:
    return _template("cases:track", "token").format(token=token)


def feedback_path(token: str, key: str) -> str:
    return _template("cases:feedback", "token", "key").format(token=token, key=key)
