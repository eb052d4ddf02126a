"""The page's language on Python's side: the compiled catalog, the switch, and local dates.

``static/js/i18n.js`` decides the language before Python runs (the reader's stored choice, else
the browser's preferred languages) and writes it to ``<html lang>``; this module reads it from
there, loads ``<lang>/LC_MESSAGES/chatbooking.mo`` (compiled into ``static/locale/`` by tools/i18n.py,
carried in the app's wheel as ``app/locale/``) into ``gettext`` and hands it to ``app.domain.i18n``. When the
reader switches, i18n.js sends ``chatbooking:language`` on ``document``; the windows then write
their texts again (``relocalize``), nothing is reloaded and nothing typed is touched.

Times are the browser's ``Intl`` in the chosen language ("14.05" / "14:05", "3 Des 14.05").

Example::

    language.start()                             # speak what <html lang> says
    language.follow(window.relocalize)           # and follow the switch
    language.message_time(stamp_ms, now_ms)      # "14.05" in Indonesian
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from pathlib import Path

import js
from pyodide.ffi import to_js
from pyodide.ffi.wrappers import add_event_listener

from app.domain import i18n

# The compiled catalogs ride in the app's wheel (tools/build_app.py): app/locale/<lang>/LC_MESSAGES/.
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
# The Intl locale for each language: 24-hour clock and day-month order in both.
INTL_LOCALES = {"en": "en-GB", "id": "id-ID"}


def _translations(language: str) -> gettext.NullTranslations | None:
    if language == i18n.SOURCE_LANGUAGE:
        return None
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.mo"
    try:
        with path.open("rb") as handle:
            return gettext.GNUTranslations(handle)
    except (OSError, ValueError) as error:
        # A page built without its catalog still works, in English; the console says why.
        js.console.warn(f"No {language} catalog ({error}); showing English.")
        return None


def use(language: str) -> None:
    translations = _translations(language)
    i18n.use(language if translations is not None else i18n.SOURCE_LANGUAGE, translations)
    _formats.clear()
    _said.clear()


def start() -> str:
    """Speak the language ``<html lang>`` names (set by static/js/i18n.js); returns it."""
    use(str(js.document.documentElement.lang or i18n.SOURCE_LANGUAGE))
    return i18n.language()


def follow(relocalize: Callable[[], None]) -> None:
    """Call ``relocalize`` after every switch of language (the event static/js/i18n.js sends)."""
    def changed(event) -> None:
        wanted = str(event.detail or i18n.SOURCE_LANGUAGE)
        if wanted == i18n.language():
            return
        use(wanted)
        relocalize()

    add_event_listener(js.document, "chatbooking:language", changed)


# --- local times with Intl -------------------------------------------------------------------------

_formats: dict[str, object] = {}


def _format(kind: str):
    formatter = _formats.get(kind)
    if formatter is None:
        options = {"hour": "2-digit", "minute": "2-digit", "hourCycle": "h23"}
        if kind == "day":
            options.update(day="numeric", month="short")
        formatter = js.Intl.DateTimeFormat.new(INTL_LOCALES.get(i18n.language(), "en-GB"),
                                               to_js(options, dict_converter=js.Object.fromEntries))
        _formats[kind] = formatter
    return formatter


_said: dict[tuple[int, int], str] = {}  # (minute, now's minute) -> text: a list re-renders often


def message_time(timestamp_ms: int, now_ms: int) -> str:
    """"14:05" today, "3 Jan, 14:05" before (Indonesian: "14.05", "3 Des, 14.05"), local time."""
    key = (timestamp_ms // 60_000, now_ms // 60_000)
    said = _said.get(key)
    if said is None:
        when, now = js.Date.new(timestamp_ms), js.Date.new(now_ms)
        same_day = when.toDateString() == now.toDateString()
        said = str(_format("time" if same_day else "day").format(when))
        if len(_said) > 4096:
            _said.clear()
        _said[key] = said
    return said
