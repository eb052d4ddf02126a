"""Write pyscript.toml's ``[files]`` table: the data files the page's Python reads from its file system.

The app's modules are not in it: they arrive as one wheel of bytecode listed with the other
packages (``tools/build_app.py``; ``packages = ["pydantic", "chatbooking-app"]``), not one fetch
per module. What is left is the catalog. ``make runtime`` rewrites the table; ``--check`` exits 1
when the committed file is out of date (the unit tests call ``render`` the same way).

Example::

    python tools/pyscript_files.py           # rewrite pyscript.toml if needed
    python tools/pyscript_files.py --check   # exit 1 when it is stale
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CONFIG = ROOT / "pyscript.toml"
MARKER = "[files]"
EXTRA_FILES = ("static/data/therapists.json",)


def files_table(root: Path = ROOT) -> str:
    paths = list(EXTRA_FILES)
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
    print("pyscript.toml: [files] regenerated")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
