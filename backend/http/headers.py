"""Security headers on every answer, and the page's Content-Security-Policy on its HTML.

The policy is the one ``index.html``'s ``<meta http-equiv="Content-Security-Policy">`` declares
(read from the file at start-up, so the two never drift), plus what a meta tag cannot say:
``frame-ancestors 'self' <FRAME_ANCESTORS>``. ``X-Frame-Options: SAMEORIGIN`` goes with it only
when no other origin may frame the page (the header cannot list origins; browsers that know
frame-ancestors ignore it then anyway).

    every answer   X-Content-Type-Options: nosniff, Referrer-Policy: no-referrer
    /api/...       Cache-Control: no-store (answers carry personal data), a CSP of default-src 'none'
    text/html      the page's CSP + frame-ancestors (+ X-Frame-Options when framing is same-origin),
                   or a path's own policy (``own_policies``: /docs, see backend.docs)

Example::

    app.add_middleware(SecurityHeaders, page_policy=page_policy(root), frame_ancestors=("https://a.example",))
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Used when the page's file is missing (SERVE_SITE=0 and no index.html): the strictest useful one.
FALLBACK_POLICY = "default-src 'self'; object-src 'none'; base-uri 'self'; form-action 'none'"
API_POLICY = "default-src 'none'; frame-ancestors 'none'"
_META = re.compile(r"""<meta\s+http-equiv=["']Content-Security-Policy["']\s+content=(["'])(.*?)\1""",
                   re.IGNORECASE | re.DOTALL)


def page_policy(root: Path) -> str:
    """The CSP of ``root/index.html``'s meta tag (without any frame-ancestors), or the fallback."""
    try:
        found = _META.search((root / "index.html").read_text(encoding="utf-8"))
    except OSError:
        found = None
    if found is None:
        return FALLBACK_POLICY
    directives = [d.strip() for d in html.unescape(found.group(2)).split(";") if d.strip()]
    return "; ".join(d for d in directives if not d.lower().startswith("frame-ancestors"))


class SecurityHeaders:
    def __init__(self, app: ASGIApp, page_policy: str, frame_ancestors: Sequence[str] = (),
                 own_policies: dict[str, str] | None = None) -> None:
        self.app = app
        self.own_policies = own_policies or {}
        self.html_policy = "; ".join([page_policy, " ".join(["frame-ancestors 'self'", *frame_ancestors])])
        self.same_origin_only = not frame_ancestors

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        api = scope["path"].startswith("/api/") or scope["path"] == "/openapi.json"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                headers.setdefault("Referrer-Policy", "no-referrer")
                if scope["path"] in self.own_policies:
                    headers["Content-Security-Policy"] = self.own_policies[scope["path"]]
                elif headers.get("content-type", "").startswith("text/html"):
                    headers["Content-Security-Policy"] = self.html_policy
                    if self.same_origin_only:
                        headers["X-Frame-Options"] = "SAMEORIGIN"
                elif api:
                    headers.setdefault("Content-Security-Policy", API_POLICY)
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, send_with_headers)
