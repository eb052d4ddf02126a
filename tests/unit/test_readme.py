"""The README's contracts follow the code (issue 21, item 12): the storage keys the pages write,
the settings the backend reads, and a therapist-token command that works as written."""

from __future__ import annotations

import re
from pathlib import Path

from app.persistence import keys
from backend.core.config import Settings

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _section(start: str, end: str) -> str:
    return README[README.index(start):README.index(end, README.index(start))]


def _first_cells(table: str) -> list[str]:
    return [line.split("|")[1] for line in table.splitlines() if line.startswith("| ")]


def test_the_readmes_storage_keys_are_every_key_the_pages_write() -> None:
    table = _section("Storage keys (a contract", "The runtime (`static/vendor/`)")
    documented = {cell for first in _first_cells(table) for cell in re.findall(r"`(chatbooking:v1:[^`]+)`", first)}
    per_origin = {value for name, value in vars(keys).items() if name.endswith("_KEY") and isinstance(value, str)}
    per_session = {f"{keys.PREFIX}<session_id>:{kind}" for kind in keys.KINDS}
    assert documented == per_origin | per_session


def test_the_readmes_settings_table_is_every_setting_the_backend_reads() -> None:
    table = _section("## Configuration", "When the API lives on another origin")
    documented = {name for first in _first_cells(table) for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", first)}
    read = {field.validation_alias.choices[0] for field in Settings.model_fields.values()
            if field.validation_alias is not None}
    assert documented == read


def test_the_readme_runs_the_backend_with_the_projects_python() -> None:
    # The system Python has none of the packages: every command must name .venv/bin/python (or make).
    bare = [line for line in README.splitlines() if re.search(r"(?<![/\w])python -m backend", line)]
    assert bare == []
