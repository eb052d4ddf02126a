"""Translation: English sentences that remember how to say themselves in the reader's language.

Every sentence of ``app.domain.words`` is a ``Text``: a ``str`` holding the English (so the core,
its comparisons and its tests read English), which also keeps its gettext message id and the
values filled into it. The page translates a ``Text`` only when it writes it (``translate``), with
the catalog of the language chosen *now*: switching the language re-translates what is on the
page without recomputing it, and a sentence kept in memory before the switch still reads right.

The catalogs are GNU gettext (``locale/<lang>/LC_MESSAGES/chatbooking.po``, compiled to ``.mo`` by
``tools/i18n.py``); ``app.browser.language`` loads the ``.mo`` and calls ``use``. English is the
source language, so it needs no catalog.

Example::

    saving = Text("Saving failed ({detail})", detail="quota")   # == "Saving failed (quota)"
    use("id", gettext.GNUTranslations(open("chatbooking.mo", "rb")))
    translate(saving)                                           # "Gagal menyimpan (quota)"
    translate("Sent")                                           # "Terkirim": a plain msgid works too
    translate(Price("IDR", 350000))                             # "Rp 350.000" ("IDR 350,000" in English)
"""

from __future__ import annotations

import gettext

DOMAIN = "chatbooking"
SOURCE_LANGUAGE = "en"
# Each language named in itself: what the switch on both pages shows (never translated).
LANGUAGES = {"en": "English", "id": "Bahasa Indonesia"}

_current: gettext.NullTranslations = gettext.NullTranslations()
_language = SOURCE_LANGUAGE


class Text(str):
    """An English sentence (``str(text)``) with its message id and the values put into it.

    ``Text("Saved {ago}", ago=Text("{n} min ago", n=3))`` is ``"Saved 3 min ago"``; translated,
    each nested ``Text`` is translated too. ``format`` and ``+`` keep a ``Text`` a ``Text``, so
    ``words.INBOX_SIGN_IN_FAILED.format(status=500)`` stays translatable.
    """

    msgid: str
    values: dict

    def __new__(cls, msgid: str, /, **values) -> Text:
        self = super().__new__(cls, msgid.format(**values) if values else msgid)
        self.msgid, self.values = msgid, values
        return self

    def format(self, *args, **values) -> Text:  # type: ignore[override]
        if args:
            raise TypeError("Text.format takes named values only")
        return Text(self.msgid, **{**self.values, **values})

    def __add__(self, other: str) -> Text:  # type: ignore[override]
        return Text("{a}{b}", a=self, b=other)

    def __radd__(self, other: str) -> Text:
        return Text("{a}{b}", a=other, b=self)

    def __reduce__(self):  # pickled/copied as the English text it shows
        return (str, (str(self),))

    def said(self) -> str:
        """This sentence in the language spoken now."""
        values = {name: translate(value) if isinstance(value, (Text, Foreign)) else value
                  for name, value in self.values.items()}
        said = _current.gettext(self.msgid)
        try:
            return said.format(**values) if values else said
        except (KeyError, IndexError, ValueError):
            return str(self)  # a broken translation must not break the page (the build test catches it)


class Price(Text):
    """An amount of money: ``IDR 350,000`` as a ``str``, ``Rp 350.000`` when said in Indonesian."""

    def __new__(cls, currency: str, amount: int | None) -> Price:
        self = super().__new__(cls, "{price}", price=format_price(currency, amount, "en"))
        self.currency, self.amount = currency, amount
        return self

    def said(self) -> str:
        return format_price(self.currency, self.amount)


class Foreign(str):
    """A sentence we did not write (the API's English ``detail``), with ours to say instead.

    In English the page may show what the server said (it is English and often more precise);
    in any other language it shows ``ours``, the page's own words for the field and error code.
    """

    ours: Text

    def __new__(cls, said: str, ours: Text) -> Foreign:
        self = super().__new__(cls, said)
        self.ours = ours
        return self

    def __reduce__(self):
        return (str, (str(self),))


def join(separator: str, texts) -> Text:
    """``separator.join(texts)`` that stays translatable (each part is translated by itself)."""
    parts = list(texts)
    values = {f"p{n}": part for n, part in enumerate(parts)}
    return Text(separator.join("{%s}" % name for name in values), **values)


def use(language: str, translations: gettext.NullTranslations | None = None) -> None:
    """Speak ``language`` from now on (``translations=None``: the source language, English)."""
    global _current, _language
    _language = language if language in LANGUAGES else SOURCE_LANGUAGE
    _current = translations if translations is not None and _language != SOURCE_LANGUAGE \
        else gettext.NullTranslations()


def language() -> str:
    """``"en"`` or ``"id"``: the language the page speaks now."""
    return _language


def translate(text: object) -> str:
    """``text`` in the current language: a ``Text`` with its values, or a plain message id.

    A plain string that is not in the catalog (a name, a number) comes back unchanged, so only
    call this on our own sentences, never on what a person typed.
    """
    if not text:
        return ""  # gettext("") is the catalog's header, never a sentence
    if isinstance(text, Foreign):
        return str(text) if _language == SOURCE_LANGUAGE else translate(text.ours)
    if isinstance(text, Text):
        return text.said()
    return _current.gettext(str(text))


def translate_or(text: object, fallback: Text) -> str:
    """``translate(text)``; but a plain string our catalog does not know (a server's English
    kept on the device before a reload) is said as ``fallback`` in any language but English."""
    if isinstance(text, (Text, Foreign)) or _language == SOURCE_LANGUAGE or not text:
        return translate(text)
    said = _current.gettext(str(text))
    return said if said != str(text) else translate(fallback)


def format_number(amount: int, language: str | None = None) -> str:
    """``350000`` → ``"350.000"`` in Indonesian, ``"350,000"`` in English (default: spoken now)."""
    english = f"{amount:,}"
    return english.replace(",", ".") if (language or _language) == "id" else english


def format_price(currency: str, amount: int | None, language: str | None = None) -> str:
    """``Rp 350.000`` in Indonesian, ``IDR 350,000`` in English; ``—`` when there is no price."""
    if amount is None:
        return "—"
    language = language or _language
    if language == "id" and currency == "IDR":
        return f"Rp\u00a0{format_number(amount, language)}"  # no-break space, as Intl's id-ID writes it
    return f"{currency} {format_number(amount, language)}"
