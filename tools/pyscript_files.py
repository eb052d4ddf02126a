"""Write pyscript.toml's ``[files]`` table from the package tree, so a new module cannot be forgotten.

The page's Python reaches Pyodide's file system only through that table: a module missing from
it is an ``ImportError`` in the browser and nowhere else. So the table is generated from
``backend.site_files.browser_modules`` (every ``app/**/*.py`` except the page scripts
``app/main.py`` and ``app/inbox_main.py``, each a page's ``<script>`` itself) plus the catalog, and ``make runtime`` rewrites it. ``--check``
exits 1 when the committed file is out of date (the unit tests call ``render`` the same way).

Example::

    python tools/pyscript_files.py           # rewrite pyscript.toml if needed
    python tools/pyscript_files.py --check   # exit 1 when it is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.site.files import browser_modules  # noqa: E402

CONFIG = ROOT / "pyscript.toml"
MARKER = "[files]"
EXTRA_FILES = ("static/data/therapists.json",)
# The pages' own <script type="py" src=...> (index.html, inbox.html): loaded by URL, not imported.
PAGE_SCRIPTS = ("app/main.py", "app/inbox_main.py")


def files_table(root: Path = ROOT) -> str:
    paths = [p for p in browser_modules(root) if p not in PAGE_SCRIPTS] + list(EXTRA_FILES)
    lines = [MARKER] + [f'"./{p}" = "./{p}"' for p in paths]
    return "\n".join(lines) + "\n"


def render(text: str, root: Path = ROOT) -> str:
    """``text`` (pyscript.toml) with its ``[files]`` table (which must come last) regenerated."""
    head, found, _ = text.partition(MARKER)
    if not found:
        raise ValueError("pyscript.toml has no [files] table")
    return head + files_table(root)


def main(argv: list[str]) -> int:
    current = CONFIG.read_text()
    wanted = render(current)
    if current == wanted:
        return 0
    if "--check" in argv:
        print("pyscript.toml's [files] is out of date: run 'python tools/pyscript_files.py'", file=sys.stderr)
        return 1
    CONFIG.write_text(wanted)
    print("pyscript.toml: [files] regenerated from app/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
