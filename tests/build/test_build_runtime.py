"""tools/build_runtime.py: hashed wheels only, compiled to bytecode, a lock that stays local, idempotent."""

from __future__ import annotations

import base64
import csv
import hashlib
import importlib.util
import json
import marshal
import py_compile
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import build_runtime  # noqa: E402

# CPython 3.14's bytecode magic number (importlib.util.MAGIC_NUMBER inside Pyodide 314).
PYTHON_314_MAGIC = (3627).to_bytes(2, "little") + b"\r\n"
REAL_PYODIDE = ROOT / "node_modules" / "pyodide"
needs_node_and_pyodide = pytest.mark.skipif(
    shutil.which("node") is None or not (REAL_PYODIDE / "pyodide.asm.wasm").is_file(),
    reason="needs node and 'npm ci' (node_modules/pyodide)")
VENDOR = ROOT / "static" / "vendor" / "pyodide"
needs_runtime = pytest.mark.skipif(not (VENDOR / "pyodide-lock.json").is_file(),
                                   reason="static/vendor/ is not built: run 'make runtime'")


class FakeCompiler:
    """Stands in for Pyodide: CPython's own py_compile, reporting the Python it is told to."""

    def __init__(self, python: str = "3.14.2", rejects: tuple[str, ...] = ()) -> None:
        self.python, self.rejects, self.calls = python, rejects, 0

    def __call__(self, work: Path) -> dict:
        self.calls += 1
        failed = []
        for source, dfile in json.loads((work / "sources.json").read_text()):
            if source.split("/", 1)[1] in self.rejects:
                failed.append([source, "SyntaxError: invalid syntax"])
                continue
            py_compile.compile(str(work / source), cfile=str(work / (source + "c")), dfile=dfile,
                               doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)
        return {"python": self.python, "magic": importlib.util.MAGIC_NUMBER.hex(),
                "compiled": "n/a", "failed": failed}


def make_wheel(folder: Path, name: str, version: str, requires: tuple[str, ...] = ()) -> Path:
    path = folder / f"{name}-{version}-py3-none-any.whl"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n" + "".join(
        f"Requires-Dist: {r}\n" for r in requires)
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(f"{name}/__init__.py", "")
        wheel.writestr(f"{name}/core.py", "def answer():\n    return 42\n")
        wheel.writestr(f"{name}/py.typed", "")
        wheel.writestr(f"{name}-{version}.dist-info/METADATA", metadata)
        wheel.writestr(f"{name}-{version}.dist-info/RECORD", f"{name}/__init__.py,,\n")
    return path


def record_problems(wheel: zipfile.ZipFile) -> list[str]:
    """Entries whose RECORD row is missing or wrong, and RECORD rows naming no entry."""
    record_name = next(n for n in wheel.namelist() if n.endswith(".dist-info/RECORD"))
    rows = {row[0]: row[1:] for row in csv.reader(wheel.read(record_name).decode().splitlines())}
    problems = [name for name in rows if name not in wheel.namelist()]
    for name in wheel.namelist():
        if name == record_name:
            continue
        data = wheel.read(name)
        expected = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        if rows.get(name) != [expected, str(len(data))]:
            problems.append(name)
    return problems


def build(project: Path, compiler: FakeCompiler | None = None) -> bool:
    return build_runtime.build(project, download=False, compiler=compiler or FakeCompiler())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A tiny project: fake node_modules, one wheel in the cache, its pin in the list."""
    pyodide = tmp_path / "node_modules" / "pyodide"
    pyodide.mkdir(parents=True)
    for name in build_runtime.PYODIDE_CORE_FILES:
        (pyodide / name).write_text(name)
    with zipfile.ZipFile(pyodide / "python_stdlib.zip", "w") as stdlib:
        stdlib.writestr("json/__init__.py", "from .decoder import x\n\ndef later():\n    import email\n")
        stdlib.writestr("json/decoder.py", "import re\nx = 1\n")
        stdlib.writestr("json/data.txt", "kept as it is")
        stdlib.writestr("re/__init__.py", "try:\n    import _missing_accelerator\nexcept ImportError:\n    pass\n")
        stdlib.writestr("email/__init__.py", "")
        stdlib.writestr("email/data.txt", "left out with its package")
        stdlib.writestr("asyncio.py", "")
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
    (dist / "codemirror_view-BsXnWedx.js").write_text("// editor")
    (dist / "xterm-Bdboj2r8.js").write_text("// terminal")
    (tmp_path / "package-lock.json").write_text("{}")
    cache = tmp_path / ".cache" / "browser-wheels"
    cache.mkdir(parents=True)
    wheel = make_wheel(cache, "alpha", "1.2", requires=("beta>=1", "gamma; extra == 'speed'"))
    make_wheel(cache, "beta", "1.0")
    (tmp_path / "requirements").mkdir()
    (tmp_path / "requirements" / "browser-stdlib.txt").write_text("# traced\njson\nnot_a_stdlib_module\n")
    (tmp_path / "requirements" / "browser-wheels.txt").write_text(
        f"# pins\nalpha==1.2 --hash=sha256:{digest(wheel)}\n"
        f"beta==1.0 --hash=sha256:{digest(cache / 'beta-1.0-py3-none-any.whl')}\n")
    return tmp_path


def test_build_copies_runtime_and_rewrites_the_lock_to_the_pinned_wheels(project: Path) -> None:
    assert build(project) is True
    vendor = project / "static" / "vendor"
    lock = json.loads((vendor / "pyodide" / "pyodide-lock.json").read_text())
    assert set(lock["packages"]) == {"alpha", "beta"}  # numpy is not shipped, so not listed
    alpha = lock["packages"]["alpha"]
    assert alpha["file_name"] == "alpha-1.2-cp314-none-any.whl"  # its bytecode is for 3.14 only
    assert alpha["version"] == "1.2"
    assert alpha["sha256"] == digest(vendor / "pyodide" / "alpha-1.2-cp314-none-any.whl")
    assert alpha["depends"] == ["beta"]  # the extra's dependency is not installed
    assert lock["packages"]["beta"]["imports"] == ["beta"]
    assert (vendor / "pyscript" / "core.js").exists()
    assert not (vendor / "pyscript" / "core.js.map").exists()
    assert sorted(p.name for p in (vendor / "pyscript").iterdir()) == ["core.js"]  # no editor, no terminal


def test_shipped_wheels_carry_bytecode_in_place_of_sources_and_a_true_record(project: Path) -> None:
    build(project)
    with zipfile.ZipFile(project / "static" / "vendor" / "pyodide" / "alpha-1.2-cp314-none-any.whl") as wheel:
        names = set(wheel.namelist())
        assert {"alpha/__init__.pyc", "alpha/core.pyc", "alpha/py.typed",
                "alpha-1.2.dist-info/METADATA"} <= names
        assert not [name for name in names if name.endswith(".py")]
        pyc = wheel.read("alpha/core.pyc")
        assert record_problems(wheel) == []
    assert pyc[:4] == importlib.util.MAGIC_NUMBER  # what the (fake) compiler produced, unchanged
    assert int.from_bytes(pyc[4:8], "little") == 0b01  # hash-based, never checked against a source
    code = marshal.loads(pyc[16:])
    assert code.co_filename == "/lib/python3.14/site-packages/alpha/core.py"  # where Pyodide installs it


def test_the_standard_library_ships_compiled_too(project: Path) -> None:
    build(project)
    with zipfile.ZipFile(project / "static" / "vendor" / "pyodide" / "python_stdlib.zip") as stdlib:
        assert sorted(stdlib.namelist()) == ["json/__init__.pyc", "json/data.txt", "json/decoder.pyc",
                                             "re/__init__.pyc"]
        assert stdlib.read("json/data.txt") == b"kept as it is"
        code = marshal.loads(stdlib.read("json/__init__.pyc")[16:])
    assert code.co_filename == "/lib/python314.zip/json/__init__.py"  # what zipimport would say


def test_the_standard_library_can_ship_as_pyodide_has_it(project: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build_runtime, "COMPILE_STDLIB", False)
    monkeypatch.setattr(build_runtime, "TRIM_STDLIB", False)
    build(project)
    stdlib = project / "static" / "vendor" / "pyodide" / "python_stdlib.zip"
    assert stdlib.read_bytes() == (project / "node_modules" / "pyodide" / "python_stdlib.zip").read_bytes()


def test_a_source_the_compiler_rejects_is_shipped_as_source(project: Path) -> None:
    build(project, FakeCompiler(rejects=("alpha/core.py",)))
    with zipfile.ZipFile(project / "static" / "vendor" / "pyodide" / "alpha-1.2-cp314-none-any.whl") as wheel:
        assert {"alpha/core.py", "alpha/__init__.pyc"} <= set(wheel.namelist())
        assert "alpha/core.pyc" not in wheel.namelist()


def test_bytecode_from_another_python_is_refused_and_leaves_nothing_behind(project: Path) -> None:
    with pytest.raises(build_runtime.BuildError, match="Python 3.13.1, but the wheel list is for 3.14"):
        build(project, FakeCompiler(python="3.13.1"))
    assert not (project / "static" / "vendor").exists()
    assert not (project / "static" / "vendor.tmp").exists()  # would otherwise be published


def test_a_build_without_node_says_so(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(build_runtime.shutil, "which", lambda name: None)
    with pytest.raises(build_runtime.BuildError, match="node is not on PATH"):
        build_runtime.compile_with_pyodide(REAL_PYODIDE, tmp_path)


def test_second_build_with_nothing_changed_does_nothing(project: Path) -> None:
    assert build(project) is True
    assert build(project) is False


def test_a_changed_compile_script_rebuilds(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = project / "compile_pyc.mjs"
    script.write_text("// one")
    monkeypatch.setattr(build_runtime, "COMPILER", script)
    assert build(project) is True
    script.write_text("// two")
    assert build(project) is True


def test_build_refuses_a_wheel_whose_hash_does_not_match(project: Path) -> None:
    wheel = project / ".cache" / "browser-wheels" / "alpha-1.2-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "a") as archive:
        archive.writestr("alpha/evil.py", "import os")
    compiler = FakeCompiler()
    with pytest.raises(build_runtime.HashMismatch, match="alpha-1.2-py3-none-any.whl"):
        build(project, compiler)
    assert compiler.calls == 0  # verified before anything is derived from it
    assert not (project / "static" / "vendor").exists()


def test_a_refused_rebuild_keeps_the_previous_runtime(project: Path) -> None:
    build(project)
    (project / "requirements" / "browser-wheels.txt").write_text(
        "alpha==1.2 --hash=sha256:" + "f" * 64 + "\n")
    with pytest.raises(build_runtime.HashMismatch):
        build(project)
    assert (project / "static" / "vendor" / "pyodide" / "alpha-1.2-cp314-none-any.whl").exists()


@pytest.mark.parametrize("line", ["alpha>=1.2", "alpha==1.2", "alpha==1.2 --hash=md5:abc"])
def test_wheel_list_must_pin_exact_versions_with_sha256(line: str) -> None:
    with pytest.raises(build_runtime.BuildError, match="line 1"):
        build_runtime.parse_pins(line)


def test_real_wheel_list_pins_every_wheel_the_page_needs_and_no_other() -> None:
    pins = build_runtime.parse_pins((ROOT / "requirements" / "browser-wheels.txt").read_text())
    # micropip and packaging are not loaded: pyscript.toml's packages_cache = "passthrough"
    # hands the packages to Pyodide's loadPackage, which never needs micropip.
    assert {p.name for p in pins} == {"pydantic", "pydantic-core", "typing-extensions",
                                      "typing-inspection", "annotated-types"}
    assert next(p for p in pins if p.name == "pydantic").version == "2.14.3"


@pytest.mark.parametrize(("filename", "compiled"), [
    ("pydantic-2.14.3-py3-none-any.whl", "pydantic-2.14.3-cp314-none-any.whl"),
    ("pydantic_core-2.50.4-cp314-cp314-pyemscripten_2026_0_wasm32.whl",
     "pydantic_core-2.50.4-cp314-cp314-pyemscripten_2026_0_wasm32.whl"),
])
def test_compiled_wheel_names_say_which_python_they_are_for(filename: str, compiled: str) -> None:
    assert build_runtime.compiled_wheel_name(filename) == compiled


@needs_node_and_pyodide
def test_pyodide_compiles_to_python_314_bytecode(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("def f():\n    return 1\n")
    (tmp_path / "pkg" / "bad.py").write_text("def (:\n")
    (tmp_path / "sources.json").write_text(json.dumps(
        [["pkg/mod.py", "/lib/python3.14/site-packages/pkg/mod.py"], ["pkg/bad.py", "bad.py"]]))
    report = build_runtime.compile_with_pyodide(REAL_PYODIDE, tmp_path)
    assert report["python"].startswith("3.14.")
    assert bytes.fromhex(report["magic"]) == PYTHON_314_MAGIC
    assert report["compiled"] == 1
    assert [source for source, _error in report["failed"]] == ["pkg/bad.py"]
    pyc = (tmp_path / "pkg" / "mod.pyc").read_bytes()
    assert pyc[:4] == PYTHON_314_MAGIC and int.from_bytes(pyc[4:8], "little") == 0b01


@needs_runtime
def test_the_built_runtime_ships_314_bytecode_for_every_module_and_locks_the_shipped_files() -> None:
    lock = json.loads((VENDOR / "pyodide-lock.json").read_text())
    pins = build_runtime.parse_pins((ROOT / "requirements" / "browser-wheels.txt").read_text())
    assert {entry["name"] for entry in lock["packages"].values()} >= {"pydantic", "pydantic_core"}
    assert len(lock["packages"]) == len(pins) + 1  # and the app itself, one wheel (tools/build_app.py)
    for entry in lock["packages"].values():
        path = VENDOR / entry["file_name"]
        assert entry["sha256"] == digest(path), entry["file_name"]
        with zipfile.ZipFile(path) as wheel:
            names = wheel.namelist()
            pycs = [name for name in names if name.endswith(".pyc")]
            assert pycs, entry["file_name"]
            assert all(wheel.read(name)[:4] == PYTHON_314_MAGIC for name in pycs), entry["file_name"]
            assert not [name for name in names if name.endswith(".py")], entry["file_name"]
            assert record_problems(wheel) == [], entry["file_name"]


@needs_runtime
def test_the_built_runtime_ships_the_standard_library_as_314_bytecode() -> None:
    with zipfile.ZipFile(VENDOR / "python_stdlib.zip") as stdlib:
        names = stdlib.namelist()
        pycs = [name for name in names if name.endswith(".pyc")]
        assert "json/__init__.pyc" in pycs and "pyodide/__init__.pyc" in pycs
        assert not [name for name in names if name.endswith(".py")]
        assert all(stdlib.read(name)[:4] == PYTHON_314_MAGIC for name in pycs)


def test_the_standard_library_keeps_the_traced_modules_and_what_they_import_at_module_level(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build_runtime, "COMPILE_STDLIB", False)
    build(project)
    with zipfile.ZipFile(project / "static" / "vendor" / "pyodide" / "python_stdlib.zip") as stdlib:
        # json (traced), json.decoder (json imports it at module level), re (json.decoder does),
        # json's data file; not email (imported inside a function only), not asyncio (never).
        assert sorted(stdlib.namelist()) == ["json/__init__.py", "json/data.txt", "json/decoder.py",
                                             "re/__init__.py"]


def test_the_build_fails_when_the_app_imports_a_module_the_trimmed_library_leaves_out(project: Path) -> None:
    (project / "app").mkdir()
    (project / "app" / "__init__.py").write_text("")
    (project / "app" / "mail.py").write_text("import json\n\ndef send():\n    from email import message\n")
    with pytest.raises(build_runtime.BuildError, match=r"app/mail.py imports email.*TRACE_STDLIB=1"):
        build(project)
    assert not (project / "static" / "vendor").exists()


def test_an_up_to_date_runtime_is_still_refused_when_the_app_starts_importing_a_left_out_module(
        project: Path) -> None:
    (project / "app").mkdir()
    (project / "app" / "__init__.py").write_text("import json\n")
    assert build(project) is True
    (project / "app" / "__init__.py").write_text("import json\nimport asyncio\n")
    with pytest.raises(build_runtime.BuildError, match="app/__init__.py imports asyncio"):
        build(project)


def test_a_build_without_the_traced_module_list_says_how_to_make_it(project: Path) -> None:
    (project / "requirements" / "browser-stdlib.txt").unlink()
    with pytest.raises(build_runtime.BuildError, match="TRACE_STDLIB=1"):
        build(project)


def test_excluded_parts_of_a_wheel_are_left_out_and_its_record_stays_true(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build_runtime, "WHEEL_EXCLUDES", {"alpha": ("alpha/core.py",)})
    build(project)
    with zipfile.ZipFile(project / "static" / "vendor" / "pyodide" / "alpha-1.2-cp314-none-any.whl") as wheel:
        assert "alpha/core.pyc" not in wheel.namelist() and "alpha/__init__.pyc" in wheel.namelist()
        assert record_problems(wheel) == []


def test_precompressed_copies_decode_to_the_exact_file(tmp_path: Path) -> None:
    import gzip

    import brotli

    data = b"const answer = 42;\n" * 500
    (tmp_path / "a.js").write_bytes(data)
    (tmp_path / "tiny.js").write_bytes(b"1")
    (tmp_path / "b.zip").write_bytes(data)
    written = build_runtime.precompress(tmp_path)
    assert sorted(p.name for p in written) == ["a.js.br", "a.js.gz"]  # not tiny files, not zips
    assert brotli.decompress((tmp_path / "a.js.br").read_bytes()) == data
    assert gzip.decompress((tmp_path / "a.js.gz").read_bytes()) == data


@needs_node_and_pyodide
@needs_runtime
def test_the_trimmed_runtime_is_reproducible_from_the_lock_files(tmp_path: Path) -> None:
    """A second build from the same inputs gives the same bytes as static/vendor (compressed copies aside)."""
    stamp = (VENDOR.parent / build_runtime.STAMP_NAME).read_text()
    inputs = build_runtime.inputs_digest(ROOT, ROOT / "requirements" / "browser-wheels.txt",
                                         ROOT / "requirements" / "browser-stdlib.txt")
    assert stamp.split(":")[0] == inputs, "static/vendor is stale: run 'make runtime'"
    again = tmp_path / "vendor"
    assert build_runtime.build(ROOT, vendor=again, compress=False) is True
    import build_app  # make runtime's next step: the app's wheel, added to the lock

    assert build_app.build(ROOT, vendor=again) is True

    def files(folder: Path) -> dict[str, str]:
        return {p.relative_to(folder).as_posix(): digest(p) for p in folder.rglob("*")
                if p.is_file() and p.suffix not in (".br", ".gz") and p.name != build_runtime.STAMP_NAME
                and p.name != "sw.js"
                and not p.relative_to(folder).as_posix().startswith("swagger-ui/")}  # tools/build_docs.py's

    assert files(again) == files(VENDOR.parent)


@needs_runtime
def test_the_built_standard_library_has_every_module_the_app_and_the_trace_import() -> None:
    import stdlib_trim

    from backend.site.files import browser_modules

    with zipfile.ZipFile(VENDOR / "python_stdlib.zip") as built:
        shipped = {stdlib_trim.module_name(n.removesuffix("c")) for n in built.namelist()} - {None}
    with zipfile.ZipFile(REAL_PYODIDE / "python_stdlib.zip") as full:
        index = stdlib_trim.StdlibIndex.of(full)
    app = {path: (ROOT / path).read_text() for path in browser_modules(ROOT)}
    assert stdlib_trim.missing_app_imports(index, shipped, app) == []
    traced = stdlib_trim.read_module_list(ROOT / "requirements" / "browser-stdlib.txt")
    assert set(traced) <= shipped
    assert len(shipped) < len(index.modules) / 2  # trimmed: the whole library has ~1 000 modules


@needs_runtime
def test_wheels_the_page_never_loads_are_not_shipped() -> None:
    lock = json.loads((VENDOR / "pyodide-lock.json").read_text())
    assert not {"micropip", "packaging"} & set(lock["packages"])
    assert not list(VENDOR.glob("micropip-*")) and not list(VENDOR.glob("packaging-*"))
    with zipfile.ZipFile(next(VENDOR.glob("pydantic-2*.whl"))) as wheel:
        assert not [n for n in wheel.namelist() if n.startswith("pydantic/v1/")]
