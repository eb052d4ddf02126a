"""Who the client is, for rate limits and the connection cap: the address uvicorn reports, IPv6 as its /64.

Behind ``TRUSTED_PROXIES`` uvicorn's proxy-headers middleware has already replaced the peer with
the client from ``X-Forwarded-For`` (``backend.http.server.uvicorn_options``). An IPv6 host
usually holds a whole /64 and can rotate through it at will, so its limits count per /64; an IPv4
address counts alone.

Example::

    client_of({"client": ("203.0.113.9", 5000)})           # "203.0.113.9"
    client_of({"client": ("2001:db8:1:2:aa::1", 5000)})    # "2001:db8:1:2::/64"
    bucket_of("2001:db8:1:2:aa::1")                        # the same, from an address
"""

from __future__ import annotations

import ipaddress
from typing import Any

IPV6_PREFIX = 64


def client_of(scope: dict[str, Any]) -> str:
    return bucket_of((scope.get("client") or ("unknown", 0))[0])


def bucket_of(peer: str) -> str:
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return str(peer)
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/{IPV6_PREFIX}", strict=False))
    return str(address)
