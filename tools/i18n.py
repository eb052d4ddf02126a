"""The page's translations: extract the English sentences, update the ``.po`` files, compile them.

Sources of sentences (all English; the English is the message id):

- ``app/**/*.py``: every ``Text("...")`` (``app.domain.i18n``; ``app/domain/words.py`` holds most);
- ``index.html``, ``inbox.html``: each direct text of an element marked ``data-i18n`` (its child
  elements are marked on their own), and the attributes named by ``data-i18n-attrs="placeholder"``;
- ``static/js/*.js``: every ``t("...")`` (``static/js/i18n.js``: words JavaScript shows before Python).

``locale/<lang>/LC_MESSAGES/chatbooking.po`` is the translation, kept in the repository. The build
(``make runtime``) compiles each into ``static/locale/<lang>/LC_MESSAGES/chatbooking.mo`` (for
Python's ``gettext`` in the page) and ``static/locale/<lang>.json`` (``{msgid: msgstr}``, for the
JavaScript that runs before Python); both are rewritten only when their bytes change, and the same
``.po`` always gives the same bytes. Babel runs here, on CPython only: it is never shipped.

Example::

    python tools/i18n.py update     # after adding or changing a sentence: new entries appear empty
    python tools/i18n.py init ja    # a new language's catalog, every entry empty
    python tools/i18n.py check      # what tests/build/test_translations.py asserts
    python tools/i18n.py compile    # what make runtime runs
"""

from __future__ import annotations

import io
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = "chatbooking"
LOCALE_DIR = ROOT / "locale"  # the .po sources (committed)
BUILD_DIR = ROOT / "static" / "locale"  # the compiled .mo and .json (built, git-ignored)
PAGES = ("index.html", "inbox.html")
KEYWORDS = {"Text": None}
# The translation machinery itself: its "{a}{b}" glue is not a sentence.
NOT_SENTENCES = ("app/domain/i18n.py",)
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
JS_CALL = re.compile(r"""\bt\(\s*(["'])((?:\\.|(?!\1).)*)\1""")


def po_path(language: str, root: Path = ROOT) -> Path:
    return root / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def languages(root: Path = ROOT) -> list[str]:
    """Every language with a catalog (English is the source and has none)."""
    return sorted(p.parent.parent.name for p in (root / "locale").glob(f"*/LC_MESSAGES/{DOMAIN}.po"))


def normalise(text: str) -> str:
    """Whitespace as the browser's layout shows it: runs of space and newlines become one space."""
    return " ".join(text.split())


class _PageTexts(HTMLParser):
    """The marked texts of one page, in document order: each direct text of an element marked
    ``data-i18n`` (its child elements carry their own marks), and each attribute it names in
    ``data-i18n-attrs``."""

    VOID = frozenset({"meta", "link", "input", "br", "img", "hr", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._open: list[list[str] | None] = []  # per open element: its current text when marked

    def _flush(self) -> None:
        if self._open and self._open[-1] is not None:
            text = normalise("".join(self._open[-1]))
            if text:
                self.found.append(text)
            self._open[-1] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        for attribute in (named.get("data-i18n-attrs") or "").split():
            if named.get(attribute):
                self.found.append(normalise(named[attribute] or ""))
        self._flush()
        if tag not in self.VOID:
            self._open.append([] if "data-i18n" in named else None)

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID or not self._open:
            return
        self._flush()
        self._open.pop()

    def handle_data(self, data: str) -> None:
        if self._open and self._open[-1] is not None:
            self._open[-1].append(data)


def page_texts(path: Path) -> list[str]:
    parser = _PageTexts()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.found


def script_texts(path: Path) -> list[str]:
    return [json.loads(f'"{match.group(2)}"') for match in JS_CALL.finditer(path.read_text(encoding="utf-8"))]


def extract(root: Path = ROOT) -> Catalog:
    """Every English sentence of the pages, in a template catalog (msgid only)."""
    template = Catalog(domain=DOMAIN, project="Chat Booking", charset="utf-8", fuzzy=False)

    def add(text: str, where: str) -> None:
        if text:
            template.add(text, locations=[(where, None)],
                         flags=("python-brace-format",) if PLACEHOLDER.search(text) else ())

    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(root / "app"), method_map=[("**.py", "python")], keywords=KEYWORDS):
        if f"app/{filename}" not in NOT_SENTENCES and isinstance(message, str):
            add(message, f"app/{filename}")
    for page in PAGES:
        for text in page_texts(root / page):
            add(text, page)
    for script in sorted((root / "static" / "js").glob("*.js")):
        for text in script_texts(script):
            add(text, f"static/js/{script.name}")
    return template


def _read(path: Path, language: str) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=language, domain=DOMAIN)


def _po_bytes(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    # No line numbers (they would change with every edit of the source), sorted by message id:
    # two branches adding sentences merge without conflicts in the middle of the file.
    write_po(out, catalog, width=100, no_location=False, include_lineno=False, ignore_obsolete=True,
             sort_output=True)
    return out.getvalue()


def update(root: Path = ROOT) -> list[str]:
    """Bring every ``.po`` in line with the sources: new sentences get an empty entry, gone ones
    leave. Returns ``"<lang>: <msgid>"`` for every entry still untranslated."""
    template = extract(root)
    untranslated = []
    for language in languages(root):
        path = po_path(language, root)
        catalog = _read(path, language)
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        _write_if_changed(path, _po_bytes(catalog))
        untranslated += [f"{language}: {m.id}" for m in catalog if m.id and (not m.string or m.fuzzy)]
    return untranslated


def init(language: str, root: Path = ROOT) -> Path:
    """Start the catalog of a new language: every sentence, none translated yet."""
    path = po_path(language, root)
    if path.exists():
        raise SystemExit(f"{path} exists already: use 'update'")
    catalog = Catalog(locale=language, domain=DOMAIN, project="Chat Booking", charset="utf-8", fuzzy=False)
    catalog.update(extract(root), no_fuzzy_matching=True)
    _write_if_changed(path, _po_bytes(catalog))
    return path


def problems(root: Path = ROOT) -> list[str]:
    """Everything wrong with the catalogs, one line each (empty: all good): a sentence of the
    sources with no entry (run ``update``), an entry no source has any more, an empty or fuzzy
    translation, a ``{placeholder}`` lost or invented by a translation."""
    wanted = {message.id for message in extract(root) if message.id}
    found = []
    for language in languages(root):
        catalog = _read(po_path(language, root), language)
        have = {message.id for message in catalog if message.id}
        found += [f"{language}: no entry for {msgid!r} (run python tools/i18n.py update)"
                  for msgid in sorted(wanted - have)]
        found += [f"{language}: {msgid!r} is in no source any more (run python tools/i18n.py update)"
                  for msgid in sorted(have - wanted)]
        for message in catalog:
            if not message.id:
                continue
            if not message.string:
                found.append(f"{language}: {message.id!r} is not translated")
            elif message.fuzzy:
                found.append(f"{language}: {message.id!r} is marked fuzzy (check it, then remove the flag)")
            elif sorted(PLACEHOLDER.findall(message.id)) != sorted(PLACEHOLDER.findall(message.string)):
                found.append(f"{language}: {message.id!r} -> {message.string!r} changes the placeholders")
    return found


def compiled(language: str, root: Path = ROOT) -> tuple[bytes, bytes]:
    """The ``.mo`` and the ``.json`` of one language, from its ``.po`` (the same bytes every time)."""
    catalog = _read(po_path(language, root), language)
    catalog.revision_date = catalog.creation_date  # not "now": the build must be reproducible
    mo = io.BytesIO()
    write_mo(mo, catalog, use_fuzzy=False)
    table = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    data = json.dumps(table, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n"
    return mo.getvalue(), data.encode("utf-8")


def compile_all(root: Path = ROOT, build: Path | None = None) -> list[Path]:
    """Write every language's ``.mo`` and ``.json`` under ``static/locale/``; returns what changed."""
    build = build or root / "static" / "locale"
    changed = []
    for language in languages(root):
        mo, data = compiled(language, root)
        for path, content in ((build / language / "LC_MESSAGES" / f"{DOMAIN}.mo", mo),
                              (build / f"{language}.json", data)):
            if _write_if_changed(path, content):
                changed.append(path)
    return changed


def _write_if_changed(path: Path, content: bytes) -> bool:
    if path.exists() and path.read_bytes() == content:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return True


def main(argv: list[str]) -> int:
    command = argv[0] if argv else ""
    if command == "update":
        missing = update()
        for line in missing:
            print(f"untranslated: {line}")
        print(f"i18n: catalogs updated; {len(missing)} entries to translate")
        return 0
    if command == "init" and len(argv) == 2:
        print(f"i18n: started {init(argv[1]).relative_to(ROOT)}")
        return 0
    if command == "check":
        found = problems()
        for line in found:
            print(line)
        return 1 if found else 0
    if command == "compile":
        changed = compile_all()
        print(f"i18n: compiled {', '.join(languages())}" + (" (changed)" if changed else " (up to date)"))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
