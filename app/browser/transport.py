"""``fetch`` behind the ``Transport`` port; no response at all becomes ``NetworkError``.

Uses ``AbortSignal.timeout`` so a request that hangs (a captive portal, a dead
mobile link) fails in bounded time and the outbox can retry it.

Example::

    response = await FetchTransport().request("GET", "./api/health")
"""

from __future__ import annotations

import js
from pyodide.ffi import JsException, jsnull, to_js

from app.domain.errors import NetworkError
from app.domain.ports import Cancel, HttpResponse


class FetchTransport:
    async def request(self, method: str, url: str, *, headers: dict[str, str] | None = None,
                      body: str | None = None, timeout_s: float = 15.0, cancel: Cancel | None = None) -> HttpResponse:
        signal = js.AbortSignal.timeout(round(timeout_s * 1000))
        if cancel is not None:
            controller = js.AbortController.new()
            cancel.on_cancel(lambda: controller.abort())
            signal = js.AbortSignal.any(to_js([signal, controller.signal]))
        options = {"method": method, "headers": headers or {}, "cache": "no-store", "signal": signal}
        if body is not None:
            options["body"] = body
        try:
            response = await js.fetch(url, to_js(options, dict_converter=js.Object.fromEntries))
            text = await response.text()
        except JsException as error:
            # TypeError "Failed to fetch", AbortError/TimeoutError: no HTTP answer to act on.
            raise NetworkError(str(error)) from error
        wanted = {}
        for name in ("retry-after", "content-type"):
            value = response.headers.get(name)
            if value is not None and value is not jsnull:  # Headers.get gives null when absent
                wanted[name] = value
        return HttpResponse(status=int(response.status), text=str(text), headers=wanted)
