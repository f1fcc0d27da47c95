"""Who may read `/metrics`: a client address inside JICENG_METRICS_ALLOW (addresses or
networks; the address by core.audit's rule, so JICENG_PROXY_COUNT applies), and, when
JICENG_METRICS_TOKEN is set, the header `Authorization: Bearer <token>` as well."""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest

from jiceng.core import audit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def allowed_networks() -> list[Network]:
    """JICENG_METRICS_ALLOW read as networks; a wrong entry is an error that names it."""
    networks = []
    for entry in settings.JICENG_METRICS_ALLOW:
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as error:
            raise ValueError(f"JICENG_METRICS_ALLOW: {entry!r} is no address or network") from error
    return networks


def may_read_metrics(request: HttpRequest) -> bool:
    address = audit.client_ip(request)
    if address is None:
        return False
    client = ipaddress.ip_address(address)
    if not any(client in network for network in allowed_networks()):
        return False
    token: str = settings.JICENG_METRICS_TOKEN
    if not token:
        return True
    sent = request.headers.get("Authorization", "")
    return hmac.compare_digest(sent.encode(), f"Bearer {token}".encode())
