"""pyscript.toml is the page's PyScript config; this writes it into the pages, and its ``[files]`` table.

The pages do not fetch pyscript.toml: each ``<script type="py">`` carries the same config inline, as
JSON (``config='{...}'``), so PyScript starts without a fetch and without loading its TOML parser
(two round trips on a phone before anything else could start). pyscript.toml stays the one place to
edit; ``make runtime`` (this script) rewrites the inline copies from it, and the unit tests fail when a
page's copy is stale. Each page also has a ``<mpy-config hidden>`` with the same ``plugins``: PyScript
reads a config per script type, and without one for MicroPython (which the pages never run) it imports
every plugin the py config turns off (six requests for nothing).

``[files]``: the data files the page's Python reads from its file system. The app's modules are not in
it: they arrive as one wheel of bytecode listed with the other packages (``tools/build_app.py``;
``packages = ["chatbooking-app"]``), with the catalog. The table is empty; it stays for a file the
page may need one day.

Example::

    python tools/pyscript_files.py           # rewrite pyscript.toml's [files] and the pages' copies if needed
    python tools/pyscript_files.py --check   # exit 1 when something is stale
"""

from __future__ import annotations

import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CONFIG = ROOT / "pyscript.toml"
PAGES = ("index.html", "inbox.html")
MARKER = "[files]"
EXTRA_FILES: tuple[str, ...] = ()  # the catalog rides in the app's wheel (tools/build_app.py)
_PY_CONFIG = re.compile(r"""(<script type="py" src="[^"]+" config=)('[^']*'|"[^"]*")""")
_MPY_CONFIG = re.compile(r"(<mpy-config hidden>)(.*?)(</mpy-config>)", re.S)


def files_table(root: Path = ROOT) -> str:
    paths = list(EXTRA_FILES)  # the translations ride in the app's wheel too (tools/build_app.py)
    lines = [MARKER] + [f'"./{p}" = "./{p}"' for p in paths]
    return "\n".join(lines) + "\n"


def render(text: str, root: Path = ROOT) -> str:
    """``text`` (pyscript.toml) with its ``[files]`` table (which must come last) regenerated."""
    head, found, _ = text.partition(MARKER)
    if not found:
        raise ValueError("pyscript.toml has no [files] table")
    return head + files_table(root)


def _attribute(value: str) -> str:
    return "'" + value.replace("&", "&amp;").replace("'", "&#39;").replace("<", "&lt;") + "'"


def render_page(html: str, config_text: str) -> str:
    """``html`` with its inline py config and its ``<mpy-config>`` written from ``config_text`` (TOML)."""
    config = tomllib.loads(config_text)
    inline = json.dumps(config, separators=(",", ":"))
    if not _PY_CONFIG.search(html) or not _MPY_CONFIG.search(html):
        raise ValueError("a page needs <script type=\"py\" src=... config=...> and <mpy-config hidden>")
    html = _PY_CONFIG.sub(lambda m: m[1] + _attribute(inline), html, count=1)
    plugins = json.dumps({"plugins": config.get("plugins", [])})
    return _MPY_CONFIG.sub(lambda m: m[1] + plugins + m[3], html, count=1)


def main(argv: list[str]) -> int:
    current = CONFIG.read_text()
    wanted = {CONFIG: render(current)}
    for name in PAGES:
        wanted[ROOT / name] = render_page((ROOT / name).read_text(), wanted[CONFIG])
    stale = [path for path, text in wanted.items() if path.read_text() != text]
    if not stale:
        return 0
    if "--check" in argv:
        print(f"{', '.join(p.name for p in stale)} out of date: run 'python tools/pyscript_files.py'",
              file=sys.stderr)
        return 1
    for path in stale:
        path.write_text(wanted[path])
    print(f"pyscript_files: wrote {', '.join(p.name for p in stale)} from pyscript.toml")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
