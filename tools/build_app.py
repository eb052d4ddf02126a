"""Ship ``app/`` to the page as ONE wheel of precompiled bytecode, listed with the other packages.

Without it the page fetched each of ~70 modules one by one through pyscript.toml's ``[files]``,
after the interpreter was up, and compiled each from source at every boot. Now::

    app/**/*.py (but the pages' own scripts)  --compile (Pyodide's Python)-->
        static/vendor/pyodide/chatbooking_app-1.0-cp314-none-any.whl

and ``static/vendor/pyodide/pyodide-lock.json`` lists it (name ``chatbooking-app``, imports ``app``,
depends on ``pydantic``), so ``packages = ["pydantic", "chatbooking-app"]`` in pyscript.toml loads it
with the pinned wheels, in parallel, checked against its sha256 (``static/js/boot.js`` starts its
download with the runtime's). ``app/main.py`` and ``app/inbox_main.py`` stay ``<script src>`` files.

Reproducible: entries sorted, every timestamp 1980-01-01, hash-based unchecked ``.pyc`` (PEP 552),
so the same tree gives the same bytes. The wheel carries ``SOURCES.json`` in its ``.dist-info``: the
sha256 of every source it was built from; ``tests/build/test_app_archive.py`` fails when the shipped
wheel is stale (``make runtime`` rebuilds it; a run with nothing changed only reads the manifest).

Example::

    python tools/build_app.py            # rebuild static/vendor/pyodide/chatbooking_app-*.whl if stale
    python tools/build_app.py --check    # exit 1 when it is stale
"""

from __future__ import annotations

import gzip
import json
import sys
import tempfile
import zipfile
from pathlib import Path

import brotli

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build_runtime import (  # noqa: E402
    SITE_PACKAGES,
    WHEEL_PYTHON,
    Archive,
    BuildError,
    Compiler,
    compile_archives,
    compile_with_pyodide,
    sha256_of,
)

from backend.site_files import browser_modules  # noqa: E402

DIST = "chatbooking_app"
PACKAGE = "chatbooking-app"  # its name in pyodide-lock.json and pyscript.toml's packages
VERSION = "1.0"
WHEEL = f"{DIST}-{VERSION}-cp{WHEEL_PYTHON.replace('.', '')}-none-any.whl"
DIST_INFO = f"{DIST}-{VERSION}.dist-info"
MANIFEST = f"{DIST_INFO}/SOURCES.json"
# The pages' own <script type="py" src=...> (index.html, inbox.html): loaded by URL, not imported.
PAGE_SCRIPTS = ("app/main.py", "app/inbox_main.py")
EPOCH = (1980, 1, 1, 0, 0, 0)


def app_sources(root: Path = ROOT) -> list[str]:
    """The modules the wheel holds (relative POSIX paths), sorted."""
    return [p for p in browser_modules(root) if p not in PAGE_SCRIPTS]


def manifest(root: Path = ROOT) -> dict[str, str]:
    """``{path: sha256}`` of every source, plus this script's own digest (a new layout rebuilds)."""
    found = {path: sha256_of(root / path) for path in app_sources(root)}
    return {"tools/build_app.py": sha256_of(Path(__file__)), **found}


def shipped_manifest(wheel: Path) -> dict[str, str] | None:
    """The manifest a built wheel was made from, or None (no wheel, or not one of ours)."""
    try:
        with zipfile.ZipFile(wheel) as archive:
            return json.loads(archive.read(MANIFEST))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile):
        return None


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=EPOCH)
    info.external_attr, info.compress_type = 0o644 << 16, zipfile.ZIP_DEFLATED
    return info


def source_wheel(root: Path, target: Path) -> None:
    """The wheel as sources (what ``compile_archives`` compiles), with its metadata and manifest."""
    metadata = f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {VERSION}\nRequires-Dist: pydantic\n"
    wheel = (f"Wheel-Version: 1.0\nGenerator: tools/build_app.py\nRoot-Is-Purelib: true\n"
             f"Tag: cp{WHEEL_PYTHON.replace('.', '')}-none-any\n")
    with zipfile.ZipFile(target, "w") as out:
        for path in app_sources(root):
            out.writestr(_entry(path), (root / path).read_bytes())
        out.writestr(_entry(f"{DIST_INFO}/METADATA"), metadata)
        out.writestr(_entry(f"{DIST_INFO}/WHEEL"), wheel)
        out.writestr(_entry(f"{DIST_INFO}/top_level.txt"), "app\n")
        out.writestr(_entry(MANIFEST), json.dumps(manifest(root), indent=1, sort_keys=True) + "\n")
        out.writestr(_entry(f"{DIST_INFO}/RECORD"), "")  # rewritten with the bytecode's digests


def build_wheel(root: Path, output: Path, compiler: Compiler) -> Path:
    """Write ``output/WHEEL`` from ``root``'s app/ (bytecode by ``compiler``); returns its path."""
    output.mkdir(parents=True, exist_ok=True)
    target = output / WHEEL
    with tempfile.TemporaryDirectory(prefix="build-app-") as directory:
        sources = Path(directory) / WHEEL
        source_wheel(root, sources)
        compile_archives([Archive(sources, target, SITE_PACKAGES)], compiler)
    with zipfile.ZipFile(target) as built:
        left = [n for n in built.namelist() if n.endswith(".py")]
    if left:
        raise BuildError(f"not compiled by Pyodide's Python: {', '.join(left)}")
    return target


def lock_entry(wheel: Path) -> dict:
    return {"name": PACKAGE, "version": VERSION, "file_name": wheel.name, "install_dir": "site",
            "sha256": sha256_of(wheel), "package_type": "package", "imports": ["app"],
            "depends": ["pydantic"], "unvendored_tests": False, "tool": {}}


def add_to_lock(lock_path: Path, wheel: Path) -> None:
    lock = json.loads(lock_path.read_text())
    lock["packages"][PACKAGE] = lock_entry(wheel)
    lock["packages"] = dict(sorted(lock["packages"].items()))
    data = json.dumps(lock, indent=1, sort_keys=True).encode()
    lock_path.write_bytes(data)
    # Its compressed copies (tools/build_runtime.py's precompress) are written after it, as there.
    lock_path.with_name(lock_path.name + ".br").write_bytes(brotli.compress(data, quality=11))
    lock_path.with_name(lock_path.name + ".gz").write_bytes(gzip.compress(data, compresslevel=9, mtime=0))


def is_current(root: Path = ROOT, vendor: Path | None = None) -> bool:
    """The shipped wheel was built from this tree, and the lock lists exactly it."""
    folder = (vendor or root / "static" / "vendor") / "pyodide"
    wheel = folder / WHEEL
    if shipped_manifest(wheel) != manifest(root):
        return False
    try:
        listed = json.loads((folder / "pyodide-lock.json").read_text())["packages"].get(PACKAGE)
    except (OSError, ValueError, KeyError):
        return False
    return listed == lock_entry(wheel)


def build(root: Path = ROOT, *, vendor: Path | None = None, compiler: Compiler | None = None) -> bool:
    """Rebuild the shipped wheel and its lock entry when stale; False when already current."""
    folder = (vendor or root / "static" / "vendor") / "pyodide"
    if not (folder / "pyodide-lock.json").is_file():
        raise BuildError(f"{folder}/pyodide-lock.json is missing: run tools/build_runtime.py first")
    if is_current(root, vendor):
        return False
    pyodide = root / "node_modules" / "pyodide"
    compiler = compiler or (lambda work: compile_with_pyodide(pyodide, work))
    with tempfile.TemporaryDirectory(prefix="build-app-out-", dir=folder.parent) as directory:
        built = build_wheel(root, Path(directory), compiler)
        built.replace(folder / WHEEL)  # atomic: a server never sees half a wheel
    add_to_lock(folder / "pyodide-lock.json", folder / WHEEL)
    return True


def main(argv: list[str]) -> int:
    if "--check" in argv:
        if is_current():
            return 0
        print(f"static/vendor/pyodide/{WHEEL} is stale: run 'python tools/build_app.py'", file=sys.stderr)
        return 1
    try:
        built = build()
    except BuildError as error:
        print(f"build_app: {error}", file=sys.stderr)
        return 1
    print(f"build_app: {'built' if built else 'up to date:'} static/vendor/pyodide/{WHEEL}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
