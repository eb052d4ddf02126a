"""pyscript.toml stays local; the app's modules come as one wheel (tools/build_app.py), not one file each."""

import sys
import tomllib
from pathlib import Path

from backend.site.files import browser_modules

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyscript.toml").read_text())


def test_config_lists_no_module_the_app_wheel_brings_them() -> None:
    assert browser_modules(ROOT)  # there are modules, and none of them is fetched one by one:
    assert [t for t in CONFIG["files"].values() if t.endswith(".py")] == []


def test_the_files_table_is_what_the_generator_writes_from_the_tree() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    from pyscript_files import render

    text = (ROOT / "pyscript.toml").read_text()
    assert render(text, ROOT) == text, "run 'python tools/pyscript_files.py'"


def test_every_url_in_the_config_is_relative_to_the_page() -> None:
    urls = [CONFIG["interpreter"], *CONFIG["files"].keys()]
    assert all(url.startswith("./") for url in urls), urls


def test_packages_load_from_the_local_lock_without_micropip() -> None:
    assert CONFIG["packages"] == ["chatbooking-app"]  # app/ and pydantic in one wheel (tools/build_app.py)
    assert CONFIG["packages_cache"] == "passthrough"


def test_the_page_gets_the_therapist_catalog_with_its_python() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    from build_app import DATA_FILES

    # Not fetched on their own: the catalog and the compiled translations ride in the app's wheel.
    assert CONFIG["files"] == {}
    assert DATA_FILES["static/data/therapists.json"] == "app/data/therapists.json"
