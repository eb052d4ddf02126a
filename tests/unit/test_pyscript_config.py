"""pyscript.toml stays local and lists exactly the app modules the page runs."""

import sys
import tomllib
from pathlib import Path

from backend.site.files import browser_modules

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyscript.toml").read_text())


def test_config_lists_every_browser_module_and_nothing_else() -> None:
    listed = {t.removeprefix("./") for t in CONFIG["files"].values() if t.endswith(".py")}
    expected = set(browser_modules(ROOT)) - {"app/main.py", "app/inbox_main.py"}  # the pages' <script>s
    assert listed == expected


def test_the_files_table_is_what_the_generator_writes_from_the_tree() -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    from pyscript_files import render

    text = (ROOT / "pyscript.toml").read_text()
    assert render(text, ROOT) == text, "run 'python tools/pyscript_files.py'"


def test_a_new_module_lands_in_the_generated_table(tmp_path) -> None:
    sys.path.insert(0, str(ROOT / "tools"))
    from pyscript_files import files_table

    (tmp_path / "app" / "outbox").mkdir(parents=True)
    (tmp_path / "app" / "outbox" / "new_kind.py").write_text("")
    (tmp_path / "app" / "main.py").write_text("")
    (tmp_path / "app" / "inbox_main.py").write_text("")
    table = files_table(tmp_path)
    assert '"./app/outbox/new_kind.py" = "./app/outbox/new_kind.py"' in table
    assert "app/main.py" not in table and "app/inbox_main.py" not in table


def test_every_url_in_the_config_is_relative_to_the_page() -> None:
    urls = [CONFIG["interpreter"], *CONFIG["files"].keys()]
    assert all(url.startswith("./") for url in urls), urls


def test_packages_load_from_the_local_lock_without_micropip() -> None:
    assert CONFIG["packages"] == ["pydantic"]
    assert CONFIG["packages_cache"] == "passthrough"


def test_the_page_gets_the_therapist_catalog_with_its_python() -> None:
    assert CONFIG["files"]["./static/data/therapists.json"] == "./static/data/therapists.json"
