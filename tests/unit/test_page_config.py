"""The pages carry pyscript.toml inline (no config fetch, no TOML parser) and it is never stale."""

from __future__ import annotations

import json
import re
import sys
import tomllib
from html import unescape
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1].parent
sys.path.insert(0, str(ROOT / "tools"))
from pyscript_files import PAGES, render_page  # noqa: E402

CONFIG_TEXT = (ROOT / "pyscript.toml").read_text()


def inline_config(html: str) -> dict:
    found = re.search(r"""<script type="py" src="[^"]+" config='([^']*)'""", html)
    assert found, "the page's <script type=\"py\"> has no inline config"
    return json.loads(unescape(found[1]))


def test_each_page_carries_pyscript_toml_inline_as_json() -> None:
    for name in PAGES:
        html = (ROOT / name).read_text()
        assert inline_config(html) == tomllib.loads(CONFIG_TEXT), name
        assert render_page(html, CONFIG_TEXT) == html, f"{name} is stale: run 'python tools/pyscript_files.py'"


def test_micropython_gets_the_same_plugins_turned_off() -> None:
    plugins = tomllib.loads(CONFIG_TEXT)["plugins"]
    for name in PAGES:
        found = re.search(r"<mpy-config hidden>(.*?)</mpy-config>", (ROOT / name).read_text(), re.S)
        assert found and json.loads(found[1]) == {"plugins": plugins}, name


def test_a_changed_config_rewrites_the_pages_copy() -> None:
    html = (ROOT / "index.html").read_text()
    changed = CONFIG_TEXT.replace('name = "Chat Booking"', 'name = "It\'s <new> & improved"')
    rewritten = render_page(html, changed)
    assert rewritten != html
    assert inline_config(rewritten)["name"] == "It's <new> & improved"
