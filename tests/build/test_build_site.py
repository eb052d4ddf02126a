"""tools/build_site.py and tools/build_sw.py: exactly the published files, and a worker versioned by them."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from backend.site.files import publishable_files

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import build_site  # noqa: E402
import build_sw  # noqa: E402

RUNTIME_BUILT = (ROOT / "static" / "vendor" / "pyodide" / "pyodide.mjs").is_file()
needs_runtime = pytest.mark.skipif(not RUNTIME_BUILT, reason="static/vendor/ is not built: run 'make runtime'")


def precache_of(sw_text: str) -> list[str]:
    return json.loads(re.search(r"const PRECACHE = (\[.*?\]);", sw_text, re.S)[1])


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A tiny project with the layout of the real one (the runtime reduced to two files)."""
    root = tmp_path / "project"
    files = {
        "index.html": "<!doctype html><title>t</title>",
        "pyscript.toml": 'interpreter = "./static/vendor/pyodide/pyodide.mjs"\n',
        "README.md": "# not published",
        "app/__init__.py": "",
        "app/_private.py": "# a leading underscore: why the site needs .nojekyll",
        "tests/support/fakes.py": "# CPython tests only: test doubles live with the tests",
        "backend/main.py": "",
        "tests/test_x.py": "",
        "node_modules/pyodide/pyodide.mjs": "",
        "static/css/app.css": "body {}",
        "static/vendor/.build-stamp": "abc",
        "static/vendor/pyodide/pyodide.mjs": "// pyodide",
        "static/vendor/pyodide/pyodide.asm.wasm": "\0asm",
        "static/vendor/pyscript/core.js": "// core",
    }
    for relative, text in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text)
    return root


def test_the_site_holds_exactly_the_publishable_files_the_worker_and_nojekyll(project: Path,
                                                                             tmp_path: Path) -> None:
    out = tmp_path / "site"
    written = build_site.build_site(out, root=project)
    on_disk = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert on_disk == written
    assert set(on_disk) == {*publishable_files(project), "sw.js", ".nojekyll"}
    assert "app/_private.py" in on_disk and (out / ".nojekyll").read_bytes() == b""
    for absent in ("README.md", "tests/support/fakes.py", "backend/main.py", "tests/test_x.py",
                   "node_modules/pyodide/pyodide.mjs", "static/vendor/.build-stamp", "static/vendor/sw.js"):
        assert absent not in on_disk


def test_a_rebuild_leaves_no_stale_file_behind(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "site"
    build_site.build_site(out, root=project)
    (out / "static" / "old.js").write_text("// from an earlier build")
    (project / "static" / "css" / "app.css").unlink()
    build_site.build_site(out, root=project)
    assert not (out / "static" / "old.js").exists()
    assert not (out / "static" / "css" / "app.css").exists()
    assert not list(out.parent.glob(".site-*")), "the staging folder was left behind"


def test_the_build_refuses_to_wipe_a_folder_that_is_not_an_earlier_build(project: Path,
                                                                         tmp_path: Path) -> None:
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    for target in (precious, tmp_path, project, project / "static" / "site", Path("/")):
        with pytest.raises(build_site.SiteError):
            build_site.build_site(target, root=project)
    assert (precious / "notes.txt").read_text() == "keep me"
    assert (project / "index.html").is_file()


def test_the_worker_precaches_every_published_file_by_a_relative_url(project: Path) -> None:
    assert build_sw.write_service_worker(project)
    text = (project / "static" / "vendor" / "sw.js").read_text()
    urls = precache_of(text)
    assert urls[0] == "./"
    assert urls[1:] == [f"./{path}" for path in publishable_files(project)]
    assert "./sw.js" not in urls and "./static/vendor/sw.js" not in urls
    assert re.fullmatch(r"chat-booking-[0-9a-f]{16}", build_sw.cache_name(text))


def test_any_change_to_a_published_file_gives_a_new_version(project: Path) -> None:
    versions = {build_sw.cache_name(build_sw.render(project))}
    for relative, change in (("index.html", "<!-- 2 -->"), ("app/__init__.py", "# 2"),
                             ("static/vendor/pyodide/pyodide.asm.wasm", "\1")):
        with (project / relative).open("a") as handle:
            handle.write(change)
        versions.add(build_sw.cache_name(build_sw.render(project)))
    (project / "static" / "img").mkdir()
    (project / "static" / "img" / "new.svg").write_text("<svg/>")  # a new file, nothing else changed
    versions.add(build_sw.cache_name(build_sw.render(project)))
    assert len(versions) == 5
    # Files that are not published do not matter.
    (project / "README.md").write_text("changed")
    (project / "tests" / "support" / "fakes.py").write_text("changed")
    assert build_sw.cache_name(build_sw.render(project)) in versions


def test_the_worker_is_only_rewritten_when_its_content_changes(project: Path) -> None:
    sw = project / "static" / "vendor" / "sw.js"
    assert build_sw.write_service_worker(project) is True
    before = sw.stat().st_mtime_ns
    assert build_sw.write_service_worker(project) is False
    assert sw.stat().st_mtime_ns == before
    (project / "static" / "css" / "app.css").write_text("body { color: red }")
    assert build_sw.write_service_worker(project) is True


def test_no_worker_without_a_runtime(project: Path) -> None:
    shutil.rmtree(project / "static" / "vendor" / "pyodide")
    with pytest.raises(build_sw.ServiceWorkerError, match="make runtime"):
        build_sw.write_service_worker(project)


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_the_generated_worker_is_valid_javascript(project: Path) -> None:
    build_sw.write_service_worker(project)
    result = subprocess.run(["node", "--check", str(project / "static" / "vendor" / "sw.js")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@needs_runtime
def test_the_real_site_has_the_page_its_modules_and_the_runtime_and_nothing_private(tmp_path: Path) -> None:
    out = tmp_path / "site"
    written = set(build_site.build_site(out))
    config = tomllib.loads((ROOT / "pyscript.toml").read_text())
    lock = json.loads((ROOT / "static" / "vendor" / "pyodide" / "pyodide-lock.json").read_text())
    expected = {
        "index.html", "inbox.html", "pyscript.toml", "sw.js", ".nojekyll", "app/main.py", "app/inbox_main.py",
        *(target.removeprefix("./") for target in config["files"].values()),
        config["interpreter"].removeprefix("./"),
        "static/vendor/pyodide/pyodide.asm.mjs", "static/vendor/pyodide/pyodide.asm.wasm",
        "static/vendor/pyodide/python_stdlib.zip", "static/vendor/pyodide/pyodide-lock.json",
        *(f"static/vendor/pyodide/{entry['file_name']}" for entry in lock["packages"].values()),
        "static/vendor/pyscript/core.js", "static/js/boot.js", "static/js/sw-register.js",
    }
    assert expected <= written
    assert all((out / path).is_file() for path in expected)
    for top in ("tests", "backend", "node_modules", ".venv", "tools", "requirements", ".git", ".github"):
        assert not (out / top).exists(), top
    for name in ("README.md", "tests/support/fakes.py", "Makefile", "static/vendor/.build-stamp", "static/vendor/sw.js"):
        assert not (out / name).exists(), name
    # The published worker is the one the backend serves: both are versioned by the same files.
    assert (out / "sw.js").read_text() == (ROOT / "static" / "vendor" / "sw.js").read_text()
    assert build_sw.render(out) == (out / "sw.js").read_text()
