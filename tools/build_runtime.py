"""Build the self-hosted browser runtime under ``static/vendor/``.

The page must load nothing from outside its own origin, so this copies what the
browser needs out of ``node_modules`` (installed by ``npm ci`` from the committed
``package-lock.json``) and the wheels listed with sha256 hashes in
``requirements/browser-wheels.txt``::

    static/vendor/pyodide/   pyodide.mjs, pyodide.asm.{mjs,wasm}, python_stdlib.zip,
                             our wheels, and a pyodide-lock.json rewritten to list
                             exactly those wheels (so loading by name stays local)
    static/vendor/pyscript/  @pyscript/core's dist/ (without source maps)

Run it as ``python tools/build_runtime.py``. It is idempotent: a stamp records a
digest of every input, and a second run with nothing changed returns at once.

A wheel whose sha256 differs from its pin is refused (``HashMismatch``) and never
copied: the list is the only thing that decides what Python runs in the page.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from email.parser import HeaderParser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
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
BUILD_FORMAT = "3"


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


def rewrite_lock(lock: dict, wheels: dict[Pin, Path]) -> dict:
    """Keep only the packages we ship, each entry pointing at our verified wheel."""
    by_name = {canonical(key): entry for key, entry in lock["packages"].items()}
    shipped = {}
    for pin, path in wheels.items():
        imports, depends = wheel_metadata(path)
        entry = dict(by_name.get(pin.name) or {
            "name": pin.name, "imports": imports, "install_dir": "site",
            "package_type": "package", "unvendored_tests": False, "tool": {},
        })
        entry["depends"] = [d for d in depends if d in {p.name for p in wheels}]
        entry.update(file_name=path.name, version=pin.version, sha256=pin.sha256)
        entry["unvendored_tests"] = False
        shipped[pin.name] = entry
    return {**lock, "packages": dict(sorted(shipped.items()))}


def inputs_digest(root: Path, requirements: Path) -> str:
    digest = hashlib.sha256(BUILD_FORMAT.encode())
    for path in (root / "package-lock.json", requirements, Path(__file__)):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def build(root: Path = ROOT, *, requirements: Path | None = None, cache: Path | None = None,
          vendor: Path | None = None, download: bool = True) -> bool:
    """Build the vendor folder; return False when it was already up to date."""
    requirements = requirements or root / "requirements" / "browser-wheels.txt"
    cache = cache or root / ".cache" / "browser-wheels"
    vendor = vendor or root / "static" / "vendor"
    stamp = vendor / STAMP_NAME
    digest = inputs_digest(root, requirements)
    if stamp.exists() and stamp.read_text() == digest:
        return False

    node = root / "node_modules"
    pyodide_src, pyscript_src = node / "pyodide", node / "@pyscript" / "core" / "dist"
    for needed in (pyodide_src / "pyodide-lock.json", pyscript_src / "core.js"):
        if not needed.exists():
            raise BuildError(f"{needed} is missing: run 'npm ci' first")

    pins = parse_pins(requirements.read_text())
    if download:
        download_wheels(pins, cache, requirements)
    wheels = verified_wheels(pins, cache)

    staging = vendor.with_name(vendor.name + ".tmp")
    shutil.rmtree(staging, ignore_errors=True)
    (staging / "pyodide").mkdir(parents=True)
    for name in PYODIDE_CORE_FILES:
        shutil.copy2(pyodide_src / name, staging / "pyodide" / name)
    for path in wheels.values():
        shutil.copy2(path, staging / "pyodide" / path.name)
    lock = rewrite_lock(json.loads((pyodide_src / "pyodide-lock.json").read_text()), wheels)
    (staging / "pyodide" / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))
    shutil.copytree(pyscript_src, staging / "pyscript", ignore=shutil.ignore_patterns("*.map"))
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
