"""Build the self-hosted browser runtime under ``static/vendor/``.

The page must load nothing from outside its own origin, so this copies what the
browser needs out of ``node_modules`` (installed by ``npm ci`` from the committed
``package-lock.json``) and the wheels listed with sha256 hashes in
``requirements/browser-wheels.txt``::

    static/vendor/pyodide/   pyodide.mjs, pyodide.asm.{mjs,wasm}, python_stdlib.zip,
                             our wheels compiled to bytecode, and a pyodide-lock.json
                             rewritten to list exactly those wheels (so loading by name
                             stays local)
    static/vendor/pyscript/  @pyscript/core's dist/ (without source maps and the chunks of the
                             editor and terminal plugins the page disables)

Run it as ``python tools/build_runtime.py``. It is idempotent: a stamp records a
digest of every input, and a second run with nothing changed returns at once.

A wheel whose sha256 differs from its pin is refused (``HashMismatch``) and never
copied: the list is the only thing that decides what Python runs in the page.

Pyodide never writes ``__pycache__``, so without bytecode the page compiles every module
it imports from source at each boot (~0.4 s of main-thread CPU for pydantic alone, ~1.1 s
for the standard library). So, once the wheels are verified, each is rewritten with its
``.py`` files compiled to ``.pyc`` (hash-based, unchecked: PEP 552) by Pyodide's own
Python under Node.js (``tools/compile_pyc.mjs``), the way ``pyodide py-compile`` ships
Pyodide's packages: ``module.pyc`` in place of ``module.py``, a pure wheel renamed
``-py3-none-any`` -> ``-cp314-none-any`` (bytecode is tied to one Python), ``RECORD``
rewritten, and the lock's sha256 set to the file shipped. ``python_stdlib.zip`` is
compiled the same way (``COMPILE_STDLIB``)::

    pydantic-2.14.3-py3-none-any.whl  --verify pin-->  --compile-->  pydantic-2.14.3-cp314-none-any.whl

Fewer bytes for a phone (``TRIM_STDLIB``): ``python_stdlib.zip`` keeps only the modules listed in
``requirements/browser-stdlib.txt`` (traced during the browser suite) and what they import at module
level (``tools/stdlib_trim.py``); the build fails when a module ``app/`` imports is not kept. Parts of
a wheel the page never imports are left out (``WHEEL_EXCLUDES``: pydantic's v1 copy, its mypy plugin).

Compression: every runtime file a browser may fetch compressed (``.wasm``, ``.mjs``, ``.js``,
``.json``, ``.css``) also gets a ``.br`` and a ``.gz`` copy next to it, which the backend sends
as its Content-Encoding (``backend/site.py``); they are never published or precached.
"""

from __future__ import annotations

import argparse
import base64
import csv
import gzip
import hashlib
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

import brotli

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from stdlib_trim import StdlibIndex, missing_app_imports, read_module_list  # noqa: E402

from backend.site.files import browser_modules  # noqa: E402

PYODIDE_CORE_FILES = (
    "pyodide.mjs",
    "pyodide.asm.mjs",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "package.json",
)
WHEEL_PLATFORM = "pyemscripten_2026_0_wasm32"
WHEEL_PYTHON = "3.14"
STAMP_NAME = ".build-stamp"
# Bump when the layout this script writes changes, so old vendor folders are rebuilt.
BUILD_FORMAT = "5"
COMPILER = Path(__file__).with_name("compile_pyc.mjs")
TRIMMER = Path(__file__).with_name("stdlib_trim.py")
# Where Pyodide imports wheels and the standard library from (the file names tracebacks show).
SITE_PACKAGES = f"/lib/python{WHEEL_PYTHON}/site-packages/"
STDLIB_ZIP = f"/lib/python{WHEEL_PYTHON.replace('.', '')}.zip/"
# Pyodide's npm package ships python_stdlib.zip as sources, so every page (the bare floor too)
# compiles each standard module it imports at every boot: ~1.1 s of main-thread CPU here.
COMPILE_STDLIB = True
# Ship only the standard-library modules the page imports (requirements/browser-stdlib.txt).
TRIM_STDLIB = True
RETRACE = "re-run 'TRACE_STDLIB=1 python -m pytest tests/browser' to update requirements/browser-stdlib.txt"
# Entries of a wheel the page never imports (checked by the whole browser suite on the trimmed
# runtime): pydantic's bundled pydantic 1 (pydantic.v1) and its mypy plugin.
WHEEL_EXCLUDES = {"pydantic": ("pydantic/v1/", "pydantic/mypy.py")}
# PyScript chunks only the plugins pyscript.toml disables load (py-editor: CodeMirror and its
# index-*.js; py-terminal: xterm): ~1 MB the service worker would otherwise precache on a first visit.
PYSCRIPT_UNUSED = ("*.map", "codemirror*", "index-*.js", "xterm*")
# Sent compressed by the backend: a .br and a .gz copy of each is written next to it.
PRECOMPRESS = (".wasm", ".mjs", ".js", ".json", ".css")
PRECOMPRESS_MIN_BYTES = 1024
# What a compiler returns (see compile_with_pyodide): {"python", "magic", "compiled", "failed"}.
Compiler = Callable[[Path], dict]


class BuildError(Exception):
    """The runtime could not be built; the message says what to fix."""


class HashMismatch(BuildError):
    """A wheel's sha256 is not the one pinned in the wheel list."""


@dataclass(frozen=True)
class Pin:
    name: str  # canonical: lower case, runs of -_. become "-"
    version: str
    sha256: str


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_pins(text: str) -> list[Pin]:
    """Read ``name==version --hash=sha256:HEX`` lines; refuse anything looser."""
    pins = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(
            r"([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s]+)\s+--hash=sha256:([0-9a-f]{64})", line
        )
        if not match:
            raise BuildError(
                f"wheel list line {number} must read 'name==version --hash=sha256:<64 hex>': {raw!r}"
            )
        pins.append(Pin(canonical(match[1]), match[2], match[3]))
    if not pins:
        raise BuildError("the wheel list names no wheels")
    return pins


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def wheel_name_version(filename: str) -> tuple[str, str]:
    parts = filename[: -len(".whl")].split("-")
    return canonical(parts[0]), parts[1]


def find_wheel(cache: Path, pin: Pin) -> Path | None:
    for path in sorted(cache.glob("*.whl")):
        if wheel_name_version(path.name) == (pin.name, pin.version):
            return path
    return None


def download_wheels(pins: list[Pin], cache: Path, requirements: Path) -> None:
    """Fetch pinned wheels that are not in the cache yet (pip checks the hashes too)."""
    missing = [pin for pin in pins if find_wheel(cache, pin) is None]
    if not missing:
        return
    cache.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--require-hashes",
        "--platform", WHEEL_PLATFORM, "--python-version", WHEEL_PYTHON,
        "--only-binary=:all:", "--dest", str(cache), "-r", str(requirements),
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise BuildError(f"pip download failed:\n{result.stdout}{result.stderr}")


def verified_wheels(pins: list[Pin], cache: Path) -> dict[Pin, Path]:
    """Map each pin to its wheel in ``cache``; raise ``HashMismatch`` on any wrong file."""
    found = {}
    for pin in pins:
        path = find_wheel(cache, pin)
        if path is None:
            raise BuildError(f"no wheel for {pin.name}=={pin.version} in {cache}")
        actual = sha256_of(path)
        if actual != pin.sha256:
            raise HashMismatch(
                f"{path.name}: sha256 is {actual}, but the wheel list pins {pin.sha256}; "
                "refusing to ship it (delete the file to download it again, or fix the pin)"
            )
        found[pin] = path
    return found


def wheel_metadata(path: Path) -> tuple[list[str], list[str]]:
    """Return (top-level import names, unconditional dependencies) of a wheel."""
    with zipfile.ZipFile(path) as wheel:
        names = wheel.namelist()
        meta_name = next(n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = HeaderParser().parsestr(wheel.read(meta_name).decode())
    depends = []
    for requirement in metadata.get_all("Requires-Dist") or []:
        if ";" in requirement and "extra" in requirement.split(";", 1)[1]:
            continue  # optional extras are not installed in the page
        depends.append(canonical(re.split(r"[\s<>=!~;\[(]", requirement, maxsplit=1)[0]))
    tops = {n.split("/", 1)[0] for n in names}
    imports = sorted(t.removesuffix(".py") for t in tops if not t.endswith((".dist-info", ".data")))
    return imports, depends


def compile_with_pyodide(pyodide_dir: Path, work: Path) -> dict:
    """Run ``tools/compile_pyc.mjs``: compile the sources listed in ``work/sources.json``."""
    node = shutil.which("node")
    if node is None:
        raise BuildError(
            "node is not on PATH: the wheels are compiled to bytecode by Pyodide under "
            "Node.js 20+ (the same Node.js 'npm ci' needs); install it and run the build again"
        )
    result = subprocess.run([node, str(COMPILER), str(pyodide_dir), str(work)],
                            capture_output=True, text=True)
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        raise BuildError(f"compiling to bytecode with Pyodide failed:\n{result.stderr[-4000:]}")
    return json.loads(lines[-1])


def compiled_wheel_name(filename: str) -> str:
    """A pure wheel's tag becomes the one Python its bytecode is for; others keep their name."""
    name, version, python_tag, abi, platform = filename.removesuffix(".whl").split("-")
    if (abi, platform) == ("none", "any"):
        python_tag = "cp" + WHEEL_PYTHON.replace(".", "")
    return f"{name}-{version}-{python_tag}-{abi}-{platform}.whl"


@dataclass(frozen=True)
class Archive:
    """A zip of Python modules to ship compiled: a verified wheel, or Pyodide's standard library."""

    source: Path
    target: Path
    imported_from: str  # the folder Pyodide imports its modules from: what tracebacks show
    keep: frozenset[str] | None = None  # the entries to ship (None: all)
    excludes: tuple[str, ...] = ()  # entry-name prefixes left out

    def ships(self, name: str) -> bool:
        if self.keep is not None and name not in self.keep:
            return False
        return not name.startswith(self.excludes)

    @property
    def is_wheel(self) -> bool:
        return self.source.suffix == ".whl"


def _compilable(name: str) -> bool:
    top = name.split("/", 1)[0]
    return name.endswith(".py") and not top.endswith((".dist-info", ".data"))


def _record(entries: list[tuple[zipfile.ZipInfo, bytes]], record_name: str) -> bytes:
    """A wheel's RECORD listing every entry with its sha256 and size (PEP 376, PEP 427)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for info, data in entries:
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        writer.writerow([info.filename, f"sha256={digest}", len(data)])
    writer.writerow([record_name, "", ""])
    return out.getvalue().encode()


def _write_compiled(archive: Archive, bytecode: dict[str, bytes]) -> None:
    """Copy ``archive`` with each compiled ``x.py`` replaced by ``x.pyc`` (found sourceless)."""
    entries: list[tuple[zipfile.ZipInfo, bytes]] = []
    record_name = None
    with zipfile.ZipFile(archive.source) as source:
        for info in source.infolist():
            name = info.filename
            if not archive.ships(name):
                continue
            if archive.is_wheel and name.endswith(".dist-info/RECORD"):
                record_name = name
                continue
            if name.endswith(".pyc") or "/__pycache__/" in f"/{name}":
                continue  # bytecode for some other Python, if an archive ever carries any
            if name in bytecode:
                pyc = zipfile.ZipInfo(name + "c", date_time=info.date_time)
                pyc.external_attr, pyc.compress_type = info.external_attr, zipfile.ZIP_DEFLATED
                entries.append((pyc, bytecode[name]))
            else:
                entries.append((info, source.read(name)))
    if archive.is_wheel:
        if record_name is None:
            raise BuildError(f"{archive.source.name} has no .dist-info/RECORD: not a wheel")
        record = zipfile.ZipInfo(record_name, date_time=(1980, 1, 1, 0, 0, 0))
        record.external_attr, record.compress_type = 0o644 << 16, zipfile.ZIP_DEFLATED
        entries.append((record, _record(entries, record_name)))
    with zipfile.ZipFile(archive.target, "w") as out:
        for info, data in entries:
            out.writestr(info, data)


def compile_archives(archives: list[Archive], compiler: Compiler) -> None:
    """Write each archive's compiled copy to its ``target``, with one run of ``compiler``.

    ``compiler(work)`` compiles every ``work/<source>`` listed in ``work/sources.json`` to
    ``work/<source>c`` (``compile_with_pyodide`` in production). A module it cannot compile
    keeps shipping as source. Its Python must be the one the pinned wheels are for.
    """
    with tempfile.TemporaryDirectory(prefix="compile-pyc-") as directory:
        work = Path(directory)
        sources: list[list[str]] = []
        for index, archive in enumerate(archives):
            with zipfile.ZipFile(archive.source) as source:
                for name in filter(_compilable, filter(archive.ships, source.namelist())):
                    (work / str(index) / name).parent.mkdir(parents=True, exist_ok=True)
                    (work / str(index) / name).write_bytes(source.read(name))
                    sources.append([f"{index}/{name}", archive.imported_from + name])
        (work / "sources.json").write_text(json.dumps(sources))
        report = compiler(work)
        if not report["python"].startswith(WHEEL_PYTHON + "."):
            raise BuildError(
                f"Pyodide runs Python {report['python']}, but the wheel list is for {WHEEL_PYTHON}: "
                "its bytecode would not load; update WHEEL_PYTHON and the pins together"
            )
        for source, error in report["failed"]:
            print(f"build_runtime: shipping {source.split('/', 1)[1]} as source: {error}", file=sys.stderr)
        for index, archive in enumerate(archives):
            folder = work / str(index)
            bytecode = {
                pyc.relative_to(folder).as_posix()[:-1]: pyc.read_bytes() for pyc in folder.rglob("*.pyc")
            }
            _write_compiled(archive, bytecode)


def rewrite_lock(lock: dict, wheels: dict[Pin, Path]) -> dict:
    """Keep only the packages we ship, each entry pointing at the wheel file we ship."""
    by_name = {canonical(key): entry for key, entry in lock["packages"].items()}
    shipped = {}
    for pin, path in wheels.items():
        imports, depends = wheel_metadata(path)
        entry = dict(by_name.get(pin.name) or {
            "name": pin.name, "imports": imports, "install_dir": "site",
            "package_type": "package", "unvendored_tests": False, "tool": {},
        })
        entry["depends"] = [d for d in depends if d in {p.name for p in wheels}]
        entry.update(file_name=path.name, version=pin.version, sha256=sha256_of(path))
        entry["unvendored_tests"] = False
        shipped[pin.name] = entry
    return {**lock, "packages": dict(sorted(shipped.items()))}


def inputs_digest(root: Path, requirements: Path, stdlib_list: Path) -> str:
    digest = hashlib.sha256(f"{BUILD_FORMAT}:{TRIM_STDLIB}:{COMPILE_STDLIB}".encode())
    for path in (root / "package-lock.json", requirements, Path(__file__), COMPILER, TRIMMER):
        digest.update(path.read_bytes())
    if TRIM_STDLIB:
        digest.update(stdlib_list.read_bytes())
    return digest.hexdigest()


def stdlib_entries(root: Path, stdlib_zip: Path, stdlib_list: Path) -> frozenset[str]:
    """The entries of ``stdlib_zip`` to ship; ``BuildError`` when an app/ import would be missing."""
    if not stdlib_list.is_file():
        raise BuildError(f"{stdlib_list} is missing: {RETRACE}")
    with zipfile.ZipFile(stdlib_zip) as stdlib:
        index = StdlibIndex.of(stdlib)
    entries = index.kept_entries(read_module_list(stdlib_list))
    app_files = {path: (root / path).read_text() for path in browser_modules(root)}
    missing = missing_app_imports(index, index.modules_of(entries), app_files)
    if missing:
        listed = ", ".join(f"{path} imports {name}" for path, name in missing)
        raise BuildError(f"the trimmed standard library would lack what the page imports ({listed}): {RETRACE}")
    return frozenset(entries)


def precompress(folder: Path) -> list[Path]:
    """Write ``<file>.br`` and ``<file>.gz`` next to each compressible file under ``folder``."""
    written = []
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.suffix not in PRECOMPRESS or path.stat().st_size < PRECOMPRESS_MIN_BYTES:
            continue
        data = path.read_bytes()
        for suffix, packed in ((".br", brotli.compress(data, quality=11, lgwin=24)),
                               (".gz", gzip.compress(data, compresslevel=9, mtime=0))):
            target = path.with_name(path.name + suffix)
            target.write_bytes(packed)
            written.append(target)
    return written


def build(root: Path = ROOT, *, requirements: Path | None = None, cache: Path | None = None,
          vendor: Path | None = None, download: bool = True, compiler: Compiler | None = None,
          stdlib_list: Path | None = None, compress: bool = True) -> bool:
    """Build the vendor folder; return False when it was already up to date.

    ``compiler`` compiles the wheels' and the standard library's sources (leave as default
    unless testing: Pyodide's Python from ``node_modules/pyodide`` under Node.js).
    """
    requirements = requirements or root / "requirements" / "browser-wheels.txt"
    cache = cache or root / ".cache" / "browser-wheels"
    vendor = vendor or root / "static" / "vendor"
    stdlib_list = stdlib_list or root / "requirements" / "browser-stdlib.txt"
    node = root / "node_modules"
    pyodide_src, pyscript_src = node / "pyodide", node / "@pyscript" / "core" / "dist"
    for needed in (pyodide_src / "pyodide-lock.json", pyscript_src / "core.js"):
        if not needed.exists():
            raise BuildError(f"{needed} is missing: run 'npm ci' first")
    # Checked on every run, even with nothing to rebuild: an app/ change may import a new module.
    keep = stdlib_entries(root, pyodide_src / "python_stdlib.zip", stdlib_list) if TRIM_STDLIB else None
    stamp = vendor / STAMP_NAME
    digest = inputs_digest(root, requirements, stdlib_list) + (":compressed" if compress else "")
    if stamp.exists() and stamp.read_text() == digest:
        return False

    pins = parse_pins(requirements.read_text())
    if download:
        download_wheels(pins, cache, requirements)
    wheels = verified_wheels(pins, cache)  # before anything is derived from them
    compiler = compiler or (lambda work: compile_with_pyodide(pyodide_src, work))

    staging = vendor.with_name(vendor.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "pyodide").mkdir(parents=True)
    rewrite_stdlib = COMPILE_STDLIB or TRIM_STDLIB
    for name in PYODIDE_CORE_FILES:
        if not (rewrite_stdlib and name == "python_stdlib.zip"):
            shutil.copy2(pyodide_src / name, staging / "pyodide" / name)
    shipped = {pin: staging / "pyodide" / compiled_wheel_name(path.name) for pin, path in wheels.items()}
    archives = [Archive(wheels[pin], target, SITE_PACKAGES, excludes=WHEEL_EXCLUDES.get(pin.name, ()))
                for pin, target in shipped.items()]
    stdlib = Archive(pyodide_src / "python_stdlib.zip", staging / "pyodide" / "python_stdlib.zip",
                     STDLIB_ZIP, keep=keep)
    if COMPILE_STDLIB:
        archives.append(stdlib)
    try:
        compile_archives(archives, compiler)
        if rewrite_stdlib and not COMPILE_STDLIB:
            _write_compiled(stdlib, {})  # trimmed, as sources
        lock = rewrite_lock(json.loads((pyodide_src / "pyodide-lock.json").read_text()), shipped)
        (staging / "pyodide" / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))
        shutil.copytree(pyscript_src, staging / "pyscript", ignore=shutil.ignore_patterns(*PYSCRIPT_UNUSED))
        if compress:
            precompress(staging)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)  # never left next to vendor/, where it would be served
        raise
    (staging / STAMP_NAME).write_text(digest)
    # Swap in whole, so a failed build never leaves a half-written vendor folder behind.
    shutil.rmtree(vendor, ignore_errors=True)
    staging.rename(vendor)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true", help="rebuild even if nothing changed")
    args = parser.parse_args(argv)
    if args.force:
        (ROOT / "static" / "vendor" / STAMP_NAME).unlink(missing_ok=True)
    try:
        built = build()
    except BuildError as error:
        print(f"build_runtime: {error}", file=sys.stderr)
        return 1
    print("build_runtime: built static/vendor/" if built else "build_runtime: static/vendor/ is up to date")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
