"""tools/build_app.py: app/ ships as one reproducible wheel of bytecode, and a stale one fails here.

The page runs app/ from ``static/vendor/pyodide/chatbooking_app-*.whl`` (listed in the lock with
the pinned wheels), so a wheel built from an older tree would test and ship old code: the first
test fails then, as the stale ``[files]`` list did (``tests/unit/test_pyscript_config.py``).
"""

from __future__ import annotations

import json
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from tests.build.test_build_runtime import (
    REAL_PYODIDE,
    VENDOR,
    FakeCompiler,
    make_wheel,
    needs_node_and_pyodide,
    needs_runtime,
    record_problems,
)

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import build_app  # noqa: E402
import build_runtime  # noqa: E402


@needs_runtime
def test_the_shipped_app_wheel_is_built_from_this_tree_and_listed_in_the_lock() -> None:
    assert build_app.is_current(ROOT), "static/vendor's app wheel is stale: run 'make runtime'"
    with zipfile.ZipFile(VENDOR / build_app.WHEEL) as wheel:
        names = wheel.namelist()
        assert record_problems(wheel) == []
    assert "app/browser/boot.pyc" in names and not [n for n in names if n.endswith(".py")]
    assert "app/main.pyc" not in names  # the pages' own <script>s are fetched by URL
    # The compiled Indonesian catalog rides along (app.browser.language reads it there): no request of its own.
    assert "app/locale/id/LC_MESSAGES/chatbooking.mo" in names
    lock = json.loads((VENDOR / "pyodide-lock.json").read_text())
    entry = lock["packages"]["chatbooking-app"]
    assert entry["depends"] == [] and {"app", "pydantic", "pydantic_core"} <= set(entry["imports"])
    # pydantic and its dependencies, each as its own built wheel holds it (native module included);
    # their .dist-info folders under ours (Pyodide accepts one per wheel):
    for package in build_app.bundled(lock):
        with zipfile.ZipFile(VENDOR / package["file_name"]) as wheel:
            assert {build_app.bundled_entry(i).filename for i in wheel.infolist()} <= set(names), package["name"]
    assert {n.split("/", 1)[0] for n in names if ".dist-info/" in n} == {build_app.DIST_INFO}
    assert [n for n in names if n.startswith("pydantic_core/") and n.endswith(".so")]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of app/ and of the built lock: a tree whose modules the test may change."""
    shutil.copytree(ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "static" / "data").mkdir(parents=True)
    shutil.copyfile(ROOT / "static" / "data" / "therapists.json", tmp_path / "static" / "data" / "therapists.json")
    folder = tmp_path / "static" / "vendor" / "pyodide"
    folder.mkdir(parents=True)
    packages = {}
    for name, depends in (("pydantic", ["core"]), ("core", []), ("unrelated", [])):
        wheel = make_wheel(folder, name, "1.0")
        packages[name] = {"name": name, "file_name": wheel.name, "depends": depends, "imports": [name]}
    lock = {"info": {"python": "3.14.2"}, "packages": packages}
    (folder / "pyodide-lock.json").write_text(json.dumps(lock))
    return tmp_path


def test_the_bundle_holds_the_app_and_pydantics_closure_only(project: Path) -> None:
    build_app.build(project, compiler=FakeCompiler())
    with zipfile.ZipFile(project / "static" / "vendor" / "pyodide" / build_app.WHEEL) as wheel:
        tops = {name.split("/", 1)[0] for name in wheel.namelist()}
    assert tops == {"app", "pydantic", "core", "chatbooking_app-1.0.dist-info"}


def test_a_changed_catalog_makes_the_archive_stale(project: Path) -> None:
    build_app.build(project, compiler=FakeCompiler())
    (project / "static" / "data" / "therapists.json").write_text('{"therapists": []}')
    assert build_app.is_current(project) is False
    build_app.build(project, compiler=FakeCompiler())
    with zipfile.ZipFile(project / "static" / "vendor" / "pyodide" / build_app.WHEEL) as wheel:
        assert wheel.read("app/data/therapists.json") == b'{"therapists": []}'


def test_a_changed_translation_makes_the_archive_stale_and_rides_in_it(project: Path) -> None:
    compiled = project / "static" / "locale" / "id" / "LC_MESSAGES" / "chatbooking.mo"
    compiled.parent.mkdir(parents=True)
    compiled.write_bytes(b"first")
    build_app.build(project, compiler=FakeCompiler())
    compiled.write_bytes(b"second")
    assert build_app.is_current(project) is False
    build_app.build(project, compiler=FakeCompiler())
    with zipfile.ZipFile(project / "static" / "vendor" / "pyodide" / build_app.WHEEL) as wheel:
        assert wheel.read("app/locale/id/LC_MESSAGES/chatbooking.mo") == b"second"


def test_a_changed_bundled_wheel_makes_the_archive_stale(project: Path) -> None:
    build_app.build(project, compiler=FakeCompiler())
    folder = project / "static" / "vendor" / "pyodide"
    (folder / "core-1.0-py3-none-any.whl").unlink()
    make_wheel(folder, "core", "1.0", requires=("something-new",))
    assert build_app.is_current(project) is False


def test_a_changed_or_new_module_makes_the_archive_stale_until_it_is_rebuilt(project: Path) -> None:
    assert build_app.is_current(project) is False  # nothing built yet
    assert build_app.build(project, compiler=FakeCompiler()) is True
    assert build_app.is_current(project)
    assert build_app.build(project, compiler=FakeCompiler()) is False  # nothing changed: nothing done
    (project / "app" / "domain" / "words.py").write_text("CHANGED = True\n")
    assert build_app.is_current(project) is False
    build_app.build(project, compiler=FakeCompiler())
    (project / "app" / "outbox" / "new_kind.py").write_text("")
    assert build_app.is_current(project) is False
    build_app.build(project, compiler=FakeCompiler())
    with zipfile.ZipFile(project / "static" / "vendor" / "pyodide" / build_app.WHEEL) as wheel:
        assert "app/outbox/new_kind.pyc" in wheel.namelist()


def test_a_wheel_not_matching_its_lock_entry_is_stale(project: Path) -> None:
    build_app.build(project, compiler=FakeCompiler())
    lock_path = project / "static" / "vendor" / "pyodide" / "pyodide-lock.json"
    lock = json.loads(lock_path.read_text())
    lock["packages"]["chatbooking-app"]["sha256"] = "0" * 64  # Pyodide would refuse the download
    lock_path.write_text(json.dumps(lock))
    assert build_app.is_current(project) is False


@needs_node_and_pyodide
@needs_runtime
def test_the_archive_is_reproducible_from_the_tree_with_pyodides_python(tmp_path: Path) -> None:
    compiler = lambda work: build_runtime.compile_with_pyodide(REAL_PYODIDE, work)  # noqa: E731
    lock = json.loads((VENDOR / "pyodide-lock.json").read_text())
    wheels = [VENDOR / entry["file_name"] for entry in build_app.bundled(lock)]
    first = build_app.build_wheel(ROOT, tmp_path / "one", compiler, wheels).read_bytes()
    second = build_app.build_wheel(ROOT, tmp_path / "two", compiler, wheels).read_bytes()
    assert first == second
    if (VENDOR / build_app.WHEEL).is_file() and build_app.is_current(ROOT):
        assert (VENDOR / build_app.WHEEL).read_bytes() == first


def test_boot_js_preloads_the_wheel_under_the_name_the_build_gives_it() -> None:
    boot = (ROOT / "static" / "js" / "boot.js").read_text()
    assert f'["{build_app.WHEEL}", "preload"]' in boot
