"""The translations: every sentence has a good Indonesian entry, and the build compiles them the same way every time.

``tools/i18n.py`` extracts the English from ``app/`` (``Text("...")``), the pages (``data-i18n``)
and ``static/js`` (``t("...")``); ``locale/id/LC_MESSAGES/chatbooking.po`` must match it exactly.
"""

from __future__ import annotations

import dataclasses
import gettext
import io
import json
import shutil
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import i18n as tool  # noqa: E402

from app.domain import i18n, words  # noqa: E402


def test_every_sentence_has_an_indonesian_translation_with_its_placeholders() -> None:
    assert tool.problems() == []


def test_the_catalog_covers_python_the_pages_and_the_javascript() -> None:
    msgids = {message.id for message in tool.extract()}
    assert words.MESSAGE_NOT_SENT in msgids  # app/domain/words.py
    assert "Booking reference" in msgids  # index.html, data-i18n
    assert "Chat history" in msgids  # index.html, data-i18n-attrs="aria-label"
    assert "Sign in to your inbox" in msgids  # inbox.html
    assert "Reload to update" in msgids  # static/js/sw-register.js
    assert "The runtime ({name}) could not be downloaded." in msgids  # static/js/boot.js


def _copy(tmp_path: Path) -> Path:
    for part in ("app", "static/js", "locale"):
        shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
    for page in tool.PAGES:
        shutil.copy(ROOT / page, tmp_path / page)
    return tmp_path


def test_a_new_english_sentence_without_a_translation_fails_until_it_is_translated(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    words_py = root / "app" / "domain" / "words.py"
    words_py.write_text(words_py.read_text() + '\nBRAND_NEW = Text("A brand new sentence")\n')
    assert tool.problems(root) == ["id: no entry for 'A brand new sentence' (run python tools/i18n.py update)"]

    assert tool.update(root) == ["id: A brand new sentence"]  # the documented command adds it, empty
    assert tool.problems(root) == ["id: 'A brand new sentence' is not translated"]
    po = tool.po_path("id", root)
    po.write_text(po.read_text().replace('msgid "A brand new sentence"\nmsgstr ""',
                                         'msgid "A brand new sentence"\nmsgstr "Kalimat baru"'))
    assert tool.problems(root) == []


@pytest.mark.parametrize(("translation", "problem"), [
    ('#, fuzzy\nmsgid "Saving failed ({detail})"\nmsgstr "Gagal menyimpan ({detail})"', "is marked fuzzy"),
    ('msgid "Saving failed ({detail})"\nmsgstr "Gagal menyimpan"', "changes the placeholders"),
    ('msgid "Saving failed ({detail})"\nmsgstr "Gagal menyimpan ({detil})"', "changes the placeholders"),
    ('msgid "Saving failed ({detail})"\nmsgstr ""', "is not translated"),
])
def test_a_fuzzy_empty_or_placeholder_losing_translation_fails(tmp_path: Path, translation: str,
                                                               problem: str) -> None:
    root = _copy(tmp_path)
    po = tool.po_path("id", root)
    text = po.read_text()
    good = 'msgid "Saving failed ({detail})"\nmsgstr "Gagal menyimpan ({detail})"'
    assert good in text
    po.write_text(text.replace(good, translation))
    found = tool.problems(root)
    assert len(found) == 1 and problem in found[0], found


def test_the_build_writes_the_same_mo_and_json_every_time(tmp_path: Path) -> None:
    first = tool.compile_all(ROOT, tmp_path / "a")
    second = tool.compile_all(ROOT, tmp_path / "b")
    assert [p.relative_to(tmp_path / "a") for p in first] == [p.relative_to(tmp_path / "b") for p in second]
    for path in first:
        assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes()
    assert tool.compile_all(ROOT, tmp_path / "a") == []  # nothing changed: nothing rewritten


def test_the_compiled_catalogs_say_what_the_po_says() -> None:
    mo, data = tool.compiled("id")
    translations = gettext.GNUTranslations(io.BytesIO(mo))
    table = json.loads(data)
    assert translations.gettext("Order now") == table["Order now"] == "Pesan sekarang"
    assert set(table) == {message.id for message in tool.extract() if message.id}
    i18n.use("id", translations)
    try:
        assert i18n.translate(words.saving_failed("quota")) == "Gagal menyimpan (quota)"
    finally:
        i18n.use("en")


# Not sentences: the switch's names (each in its own language), symbols, an example number.
NOT_WORDS = {"English", "Bahasa Indonesia", "··", "✉", "—", "+62 812 3456 7890"}


class _Unmarked(HTMLParser):
    """Texts and attributes a person reads that carry no data-i18n mark (so no catalog entry)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._marked: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        listed = (named.get("data-i18n-attrs") or "").split()
        for attribute in ("placeholder", "aria-label", "title", "alt"):
            value = named.get(attribute)
            if value and attribute not in listed and value not in NOT_WORDS:
                self.found.append(f"<{tag} {attribute}={value!r}>")
        if tag not in tool._PageTexts.VOID:
            self._marked.append("data-i18n" in named or tag in ("script", "style", "mpy-config"))

    def handle_endtag(self, tag: str) -> None:
        if tag not in tool._PageTexts.VOID and self._marked:
            self._marked.pop()

    def handle_data(self, data: str) -> None:
        text = tool.normalise(data)
        if text and text not in NOT_WORDS and not (self._marked and self._marked[-1]):
            self.found.append(text)


@pytest.mark.parametrize("page", tool.PAGES)
def test_every_text_of_the_pages_is_marked_for_translation(page: str) -> None:
    parser = _Unmarked()
    parser.feed((ROOT / page).read_text(encoding="utf-8"))
    assert parser.found == [], f"{page}: add data-i18n (or data-i18n-attrs) to these, then tools/i18n.py update"


def _sentences(value: object) -> list[object]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for item in value.values() for s in _sentences(item)]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [s for field in dataclasses.fields(value) for s in _sentences(getattr(value, field.name))]
    return []


def test_every_sentence_in_words_is_a_translatable_text() -> None:
    plain = [f"{name}: {sentence!r}" for name, value in vars(words).items()
             if not name.startswith("_") and name.isupper()
             for sentence in _sentences(value) if not isinstance(sentence, i18n.Text)]
    assert plain == ["SENDER_LABELS: 'Chat Booking'"]  # the product's name is not translated
    messages = words.validation_messages(80)
    assert all(isinstance(s, i18n.Text) for s in _sentences(messages))
