"""``TimeZones`` from the browser: its own zone through ``Date``, any named zone through ``Intl``.

Pyodide ships no tz database; the browser's (ICU) is complete and is the one the customer's own
clock follows, daylight saving included.

Example::

    zones = BrowserTimeZones()
    zones.offset_minutes(Date.now())                     # -300 for a browser in New York in winter
    zones.offset_minutes(Date.now(), "Asia/Makassar")    # 480
"""

from __future__ import annotations

import re

import js
from pyodide.ffi import JsException, to_js

_OFFSET = re.compile(r"GMT(?:([+-])(\d{1,2})(?::?(\d{2}))?)?$")


class BrowserTimeZones:
    def __init__(self) -> None:
        self._formats: dict[str, object] = {}

    def offset_minutes(self, epoch_ms: int, zone: str | None = None) -> int:
        when = js.Date.new(epoch_ms)
        if zone is None:
            return -int(when.getTimezoneOffset())  # minutes *west* of UTC in JavaScript
        try:
            parts = self._format(zone).formatToParts(when)
        except JsException:
            return -int(when.getTimezoneOffset())  # an unknown zone name: the browser's own
        name = next((str(part.value) for part in parts if str(part.type) == "timeZoneName"), "GMT")
        match = _OFFSET.match(name)
        if match is None or match.group(1) is None:
            return 0
        minutes = int(match.group(2)) * 60 + int(match.group(3) or 0)
        return minutes if match.group(1) == "+" else -minutes

    def _format(self, zone: str):
        found = self._formats.get(zone)
        if found is None:
            options = to_js({"timeZone": zone, "timeZoneName": "longOffset"}, dict_converter=js.Object.fromEntries)
            found = self._formats[zone] = js.Intl.DateTimeFormat.new("en-US", options)
        return found
