"""Who the client is, for rate limits: the peer's IP address, unless the peer is a proxy we trust.

``X-Forwarded-For`` is read only when the connection comes from one of ``TRUSTED_PROXIES``;
then its entries are walked from the right (the hop our proxy appended) past every trusted
proxy, and the first address that is not ours is the client. Entries further left were written
by the client itself and prove nothing.

Example::

    client_of(scope, ())                                        # "203.0.113.9" (the peer)
    client_of(scope, (ip_network("10.0.0.0/8"),))               # X-Forwarded-For's first hop
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any

from backend.core.config import Network


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address | None, proxies: Sequence[Network]) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_of(scope: dict[str, Any], proxies: Sequence[Network]) -> str:
    peer = (scope.get("client") or ("unknown", 0))[0]
    if not proxies or not _trusted(_address(peer), proxies):
        return peer
    forwarded = [value.decode("latin-1") for name, value in scope.get("headers", ())
                 if name == b"x-forwarded-for"]
    hops = [hop.strip() for hop in ",".join(forwarded).split(",") if hop.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            return peer  # a garbled header: count the proxy itself rather than trust it
        if not _trusted(address, proxies):
            return str(address)
    return peer
