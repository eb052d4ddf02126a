"""tools/build_runtime.py: hashed wheels only, a lock that stays local, idempotent."""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import build_runtime  # noqa: E402


def make_wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    path = folder / f"{name}-{version}-py3-none-any.whl"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(f"{name}/__init__.py", "")
        wheel.writestr(f"{name}-{version}.dist-info/METADATA", metadata)
    return path


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A tiny project: fake node_modules, one wheel in the cache, its pin in the list."""
    pyodide = tmp_path / "node_modules" / "pyodide"
    pyodide.mkdir(parents=True)
    for name in build_runtime.PYODIDE_CORE_FILES:
        (pyodide / name).write_text(name)
    lock = {"info": {"abi_version": "2026_0"}, "packages": {
        "alpha": {"name": "alpha", "version": "0.1", "file_name": "alpha-0.1-py3-none-any.whl",
                  "sha256": "0" * 64, "depends": [], "imports": ["alpha"], "install_dir": "site",
                  "package_type": "package", "unvendored_tests": False},
        "numpy": {"name": "numpy", "version": "2", "file_name": "numpy.whl", "sha256": "1" * 64,
                  "depends": [], "imports": ["numpy"]},
    }}
    (pyodide / "pyodide-lock.json").write_text(json.dumps(lock))
    dist = tmp_path / "node_modules" / "@pyscript" / "core" / "dist"
    dist.mkdir(parents=True)
    (dist / "core.js").write_text("// core")
    (dist / "core.js.map").write_text("{}")
    (tmp_path / "package-lock.json").write_text("{}")
    cache = tmp_path / ".cache" / "browser-wheels"
    cache.mkdir(parents=True)
    wheel = make_wheel(cache, "alpha", "1.2", requires=("beta>=1", "gamma; extra == 'speed'"))
    make_wheel(cache, "beta", "1.0")
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "browser-wheels.txt").write_text(
        f"# pins\nalpha==1.2 --hash=sha256:{digest(wheel)}\n"
        f"beta==1.0 --hash=sha256:{digest(cache / 'beta-1.0-py3-none-any.whl')}\n")
    return tmp_path


def test_build_copies_runtime_and_rewrites_the_lock_to_the_pinned_wheels(project: Path) -> None:
    assert build_runtime.build(project, download=False) is True
    vendor = project / "static" / "vendor"
    lock = json.loads((vendor / "pyodide" / "pyodide-lock.json").read_text())
    assert set(lock["packages"]) == {"alpha", "beta"}  # numpy is not shipped, so not listed
    alpha = lock["packages"]["alpha"]
    assert alpha["file_name"] == "alpha-1.2-py3-none-any.whl"
    assert alpha["version"] == "1.2"
    assert alpha["sha256"] == digest(vendor / "pyodide" / "alpha-1.2-py3-none-any.whl")
    assert alpha["depends"] == ["beta"]  # the extra's dependency is not installed
    assert lock["packages"]["beta"]["imports"] == ["beta"]
    assert (vendor / "pyscript" / "core.js").exists()
    assert not (vendor / "pyscript" / "core.js.map").exists()


def test_second_build_with_nothing_changed_does_nothing(project: Path) -> None:
    assert build_runtime.build(project, download=False) is True
    assert build_runtime.build(project, download=False) is False


def test_build_refuses_a_wheel_whose_hash_does_not_match(project: Path) -> None:
    wheel = project / ".cache" / "browser-wheels" / "alpha-1.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr("alpha/evil.py", "import os")
    with pytest.raises(build_runtime.HashMismatch, match="alpha-1.2-py3-none-any.whl"):
        build_runtime.build(project, download=False)
    assert not (project / "static" / "vendor").exists()


def test_a_refused_rebuild_keeps_the_previous_runtime(project: Path) -> None:
    build_runtime.build(project, download=False)
    (project / "requirements" / "browser-wheels.txt").write_text(
        "alpha==1.2 --hash=sha256:" + "f" * 64 + "\n")
    with pytest.raises(build_runtime.HashMismatch):
        build_runtime.build(project, download=False)
    assert (project / "static" / "vendor" / "pyodide" / "alpha-1.2-py3-none-any.whl").exists()


@pytest.mark.parametrize("line", ["alpha>=1.2", "alpha==1.2", "alpha==1.2 --hash=md5:abc"])
def test_wheel_list_must_pin_exact_versions_with_sha256(line: str) -> None:
    with pytest.raises(build_runtime.BuildError, match="line 1"):
        build_runtime.parse_pins(line)


def test_real_wheel_list_pins_every_wheel_the_page_needs() -> None:
    pins = build_runtime.parse_pins((ROOT / "requirements" / "browser-wheels.txt").read_text())
    assert {p.name for p in pins} >= {"pydantic", "pydantic-core", "typing-extensions",
                                      "typing-inspection", "annotated-types", "micropip", "packaging"}
    assert next(p for p in pins if p.name == "pydantic").version == "2.14.3"
    assert next(p for p in pins if p.name == "micropip").version == "0.11.1"
