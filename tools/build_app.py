"""Ship ``app/`` and what it imports to the page as ONE wheel of precompiled bytecode, listed in the lock.

Without it the page fetched each of ~70 modules one by one through pyscript.toml's ``[files]``,
after the interpreter was up, and compiled each from source at every boot; then pydantic and its
four dependencies came as five more wheels. Now::

    app/**/*.py (but the pages' own scripts)  --compile (Pyodide's Python)-->  app/**/*.pyc
    + the built wheels of pydantic's closure (tools/build_runtime.py: verified, compiled)
        = static/vendor/pyodide/chatbooking_app-1.0-cp314-none-any.whl

``static/vendor/pyodide/pyodide-lock.json`` lists it as ``chatbooking-app`` (imports ``app``,
``pydantic``, ``pydantic_core``, ...; no dependencies: it holds them), so ``packages =
["chatbooking-app"]`` in pyscript.toml loads it, checked against its sha256; Pyodide loads the
native module of pydantic_core from it as from its own wheel. Its name never changes, so
``static/js/boot.js`` starts its download with the runtime's without reading the lock. The pinned
wheels stay in the lock as tools/build_runtime.py wrote it (loadable by name, never loaded by the
page). ``app/main.py`` and ``app/inbox_main.py`` stay ``<script src>`` files. The catalog
(``static/data/therapists.json``) rides along as ``app/data/therapists.json``, the compiled
translations (``static/locale/<lang>/LC_MESSAGES/chatbooking.mo``) as ``app/locale/...``.

Reproducible: entries in a fixed order, every timestamp 1980-01-01, hash-based unchecked ``.pyc``
(PEP 552), so the same tree and wheels give the same bytes. The wheel carries ``SOURCES.json`` in its
``.dist-info``: the sha256 of every source and wheel it was built from; ``tests/build/test_app_archive.py``
fails when the shipped wheel is stale (``make runtime`` rebuilds it; a run with nothing changed only
reads the manifest).

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
    _record,
    compile_archives,
    compile_with_pyodide,
    sha256_of,
)

from backend.site.files import browser_modules  # noqa: E402

DIST = "chatbooking_app"
PACKAGE = "chatbooking-app"  # its name in pyodide-lock.json and pyscript.toml's packages
ROOT_PACKAGE = "pydantic"  # the wheels bundled: this one and its dependencies, as the lock lists them
VERSION = "1.0"
WHEEL = f"{DIST}-{VERSION}-cp{WHEEL_PYTHON.replace('.', '')}-none-any.whl"
DIST_INFO = f"{DIST}-{VERSION}.dist-info"
MANIFEST = f"{DIST_INFO}/SOURCES.json"
RECORD = f"{DIST_INFO}/RECORD"
BUNDLED = f"{DIST_INFO}/bundled"  # the bundled packages' own .dist-info folders
# The pages' own <script type="py" src=...> (index.html, inbox.html): loaded by URL, not imported.
PAGE_SCRIPTS = ("app/main.py", "app/inbox_main.py")
EPOCH = (1980, 1, 1, 0, 0, 0)
# Data the page's Python reads, carried in the wheel (app.browser.page.CATALOG_FILE): no request of its own.
DATA_FILES = {"static/data/therapists.json": "app/data/therapists.json"}
# The compiled translations (tools/i18n.py compile, which make runtime runs first), read by
# app.browser.language from the wheel too: on a phone's first visit a file of their own was one more
# request, fetched only once the interpreter was up.
CATALOGS = "static/locale/*/LC_MESSAGES/*.mo"


def data_files(root: Path = ROOT) -> dict[str, str]:
    """``{tree path: path in the wheel}``: the catalog, and every compiled translation present."""
    found = dict(DATA_FILES)
    for path in sorted(root.glob(CATALOGS)):
        relative = path.relative_to(root).as_posix()
        found[relative] = "app/" + relative.removeprefix("static/")  # app/locale/id/LC_MESSAGES/...
    return found


def app_sources(root: Path = ROOT) -> list[str]:
    """The modules the wheel holds (relative POSIX paths), sorted."""
    return [p for p in browser_modules(root) if p not in PAGE_SCRIPTS]


def bundled(lock: dict) -> list[dict]:
    """The lock entries of ``ROOT_PACKAGE`` and everything it depends on, sorted by name."""
    packages = {name: entry for name, entry in lock["packages"].items() if name != PACKAGE}
    found, todo = {}, [ROOT_PACKAGE]
    while todo:
        name = todo.pop()
        if name in found:
            continue
        if name not in packages:
            raise BuildError(f"pyodide-lock.json has no {name!r}: run tools/build_runtime.py first")
        found[name] = packages[name]
        todo.extend(packages[name]["depends"])
    return [found[name] for name in sorted(found)]


def manifest(root: Path = ROOT, wheels: list[Path] = ()) -> dict[str, str]:
    """``{path: sha256}`` of every source, data file and bundled wheel, and of this script (a new
    layout rebuilds)."""
    found = {path: sha256_of(root / path) for path in [*app_sources(root), *data_files(root)]}
    found |= {f"wheel:{wheel.name}": sha256_of(wheel) for wheel in wheels}
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


def source_wheel(root: Path, target: Path, wheels: list[Path]) -> None:
    """The wheel as sources (what ``compile_archives`` compiles), with its metadata and manifest."""
    metadata = f"Metadata-Version: 2.1\nName: {PACKAGE}\nVersion: {VERSION}\nRequires-Dist: pydantic\n"
    wheel = (f"Wheel-Version: 1.0\nGenerator: tools/build_app.py\nRoot-Is-Purelib: true\n"
             f"Tag: cp{WHEEL_PYTHON.replace('.', '')}-none-any\n")
    with zipfile.ZipFile(target, "w") as out:
        for path in app_sources(root):
            out.writestr(_entry(path), (root / path).read_bytes())
        for path, packaged in data_files(root).items():
            out.writestr(_entry(packaged), (root / path).read_bytes())
        out.writestr(_entry(f"{DIST_INFO}/METADATA"), metadata)
        out.writestr(_entry(f"{DIST_INFO}/WHEEL"), wheel)
        out.writestr(_entry(f"{DIST_INFO}/top_level.txt"), "app\n")
        out.writestr(_entry(MANIFEST), json.dumps(manifest(root, wheels), indent=1, sort_keys=True) + "\n")
        out.writestr(_entry(RECORD), "")  # rewritten with the bytecode's digests


def bundled_entry(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A bundled package's file as the bundle holds it: its ``.dist-info`` (licence, metadata) moves
    under ours, since a wheel has exactly one (Pyodide refuses a second one)."""
    top = info.filename.split("/", 1)[0]
    if not top.endswith(".dist-info"):
        return info
    moved = zipfile.ZipInfo(f"{BUNDLED}/{info.filename}", date_time=info.date_time)
    moved.external_attr, moved.compress_type = info.external_attr, info.compress_type
    return moved


def build_wheel(root: Path, output: Path, compiler: Compiler, wheels: list[Path]) -> Path:
    """Write ``output/WHEEL``: ``root``'s app/ (bytecode by ``compiler``) and every file of ``wheels``
    (built already: compiled, with their own ``.dist-info``); returns its path."""
    output.mkdir(parents=True, exist_ok=True)
    target = output / WHEEL
    with tempfile.TemporaryDirectory(prefix="build-app-") as directory:
        sources, app = Path(directory) / "sources.whl", Path(directory) / WHEEL
        source_wheel(root, sources, wheels)
        compile_archives([Archive(sources, app, SITE_PACKAGES)], compiler)
        with zipfile.ZipFile(app) as built:
            left = [n for n in built.namelist() if n.endswith(".py")]
            if left:
                raise BuildError(f"not compiled by Pyodide's Python: {', '.join(left)}")
            entries = [(info, built.read(info)) for info in built.infolist() if info.filename != RECORD]
        ours = len(entries)
        seen = {info.filename for info, _data in entries} | {RECORD}
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as package:
                for original in package.infolist():
                    info = bundled_entry(original)
                    if info.filename in seen:
                        raise BuildError(f"{wheel.name} and the bundle both hold {info.filename}")
                    seen.add(info.filename)
                    entries.append((info, package.read(original)))
    # One RECORD for the whole wheel, after our entries (each bundled package's own stays, as a file
    # under BUNDLED).
    entries.insert(ours, (_entry(RECORD), _record(entries, RECORD)))
    with zipfile.ZipFile(target, "w") as out:
        for info, data in entries:
            out.writestr(info, data)
    return target


def lock_entry(wheel: Path, wheels: list[dict]) -> dict:
    imports = ["app", *sorted(name for entry in wheels for name in entry["imports"])]
    return {"name": PACKAGE, "version": VERSION, "file_name": wheel.name, "install_dir": "site",
            "sha256": sha256_of(wheel), "package_type": "package", "imports": imports,
            "depends": [], "unvendored_tests": False, "tool": {}}


def add_to_lock(lock_path: Path, wheel: Path) -> None:
    lock = json.loads(lock_path.read_text())
    lock["packages"][PACKAGE] = lock_entry(wheel, bundled(lock))
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
    try:
        lock = json.loads((folder / "pyodide-lock.json").read_text())
        wheels = bundled(lock)
    except (OSError, ValueError, KeyError, BuildError):
        return False
    if shipped_manifest(wheel) != manifest(root, [folder / entry["file_name"] for entry in wheels]):
        return False
    return lock["packages"].get(PACKAGE) == lock_entry(wheel, wheels)


def build(root: Path = ROOT, *, vendor: Path | None = None, compiler: Compiler | None = None) -> bool:
    """Rebuild the shipped wheel and its lock entry when stale; False when already current."""
    folder = (vendor or root / "static" / "vendor") / "pyodide"
    if not (folder / "pyodide-lock.json").is_file():
        raise BuildError(f"{folder}/pyodide-lock.json is missing: run tools/build_runtime.py first")
    if is_current(root, vendor):
        return False
    pyodide = root / "node_modules" / "pyodide"
    compiler = compiler or (lambda work: compile_with_pyodide(pyodide, work))
    wheels = [folder / entry["file_name"] for entry in bundled(json.loads((folder / "pyodide-lock.json").read_text()))]
    with tempfile.TemporaryDirectory(prefix="build-app-out-", dir=folder.parent) as directory:
        built = build_wheel(root, Path(directory), compiler, wheels)
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
