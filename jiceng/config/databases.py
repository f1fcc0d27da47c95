"""Database URLs as the settings read them: dj-database-url's, plus libpq's multi-host form.

A primary with a standby is reached through one URL naming both nodes,
`postgresql://jiceng@10.0.0.11:6432,10.0.0.12:6432/jiceng?target_session_attrs=read-write`:
libpq tries the hosts in turn and keeps the first that takes writes, so after a failover the
next connection finds the new primary by itself. dj-database-url reads one host only (its
parser refuses a second port), so the host list is taken out before it parses and handed to
Django whole: HOST "h1,h2" and PORT "p1,p2" reach libpq as its comma-separated lists.
"""

from __future__ import annotations

from typing import Any

import dj_database_url

DEFAULT_PORT = "5432"


def parse(url: str, **options: Any) -> dict[str, Any]:
    """Django's DATABASES entry for `url` (any scheme dj-database-url knows)."""
    scheme, separator, rest = url.partition("://")
    netloc = rest.split("/", 1)[0].split("?", 1)[0]
    credentials, at, hosts = netloc.rpartition("@")
    if not separator or "," not in hosts:
        return dict(dj_database_url.parse(url, **options))
    names, ports = [], []
    for item in hosts.split(","):
        if item.startswith("["):  # an IPv6 address, [::1]:5432
            host, _, port = item[1:].partition("]")
            port = port.removeprefix(":")
        else:
            host, _, port = item.partition(":")
        names.append(host)
        ports.append(port or DEFAULT_PORT)
    single = f"{scheme}://{credentials}{at}multihost{rest[len(netloc) :]}"
    config = dict(dj_database_url.parse(single, **options))
    config["HOST"] = ",".join(names)
    config["PORT"] = ",".join(ports)
    return config
