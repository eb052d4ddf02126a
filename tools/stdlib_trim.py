"""Which entries of Pyodide's ``python_stdlib.zip`` the page needs, and a check that none is missing.

The page imports ~200 of the standard library's ~1 000 modules. ``requirements/browser-stdlib.txt``
lists the ones the page was seen importing (traced across the whole browser suite: ``TRACE_STDLIB=1
pytest tests/browser``, see ``tests/browser/conftest.py``). ``kept_entries`` turns that list into zip
entries, adding every module a kept module surely imports when it is imported (its top-level
``import`` statements, found with ``ast``, so a traced module never fails for want of another) and each package's ``__init__`` and data
files. ``missing_app_imports`` is the build's guard: any standard-library module that ``app/``
imports (anywhere, also inside a function) must be kept, or the build fails and says to re-trace.

Example::

    with zipfile.ZipFile("node_modules/pyodide/python_stdlib.zip") as stdlib:
        index = StdlibIndex.of(stdlib)
    entries = index.kept_entries(read_module_list(Path("requirements/browser-stdlib.txt")))
    missing_app_imports(index, index.modules_of(entries), app_files)   # [] or [(file, module)]
"""

from __future__ import annotations

import ast
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


def read_module_list(path: Path) -> list[str]:
    names = []
    for raw in path.read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if line:
            names.append(line)
    return names


def module_name(entry: str) -> str | None:
    """``json/decoder.py`` -> ``json.decoder``; ``json/__init__.py`` -> ``json``; data files -> None."""
    if not entry.endswith(".py"):
        return None
    return entry.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def imported_names(source: str, module: str, is_package: bool, *, module_level_only: bool) -> set[str]:
    """Absolute names of what ``source`` imports (``from a import b`` gives ``a`` and ``a.b``)."""
    tree = ast.parse(source)
    package = module if is_package else module.rpartition(".")[0]
    found: set[str] = set()

    def visit(nodes: Iterable[ast.AST]) -> None:
        for node in nodes:
            if isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base_parts = package.split(".") if package else []
                    base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                    base = ".".join(base_parts + ([node.module] if node.module else []))
                else:
                    base = node.module or ""
                if base:
                    found.add(base)
                    found.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
            elif module_level_only:
                # Only what surely runs on import: the module's own statements and the body of a
                # top-level try (the import it attempts). Not if/else branches (platform checks,
                # ``if __name__ == "__main__"``), handlers (fallbacks) or function bodies.
                if isinstance(node, ast.Try):
                    visit(node.body)
            else:
                visit(ast.iter_child_nodes(node))

    visit(tree.body)
    return found


@dataclass(frozen=True)
class StdlibIndex:
    """The modules of a standard-library zip: module name -> entry, plus every entry name."""

    modules: dict[str, str]
    entries: tuple[str, ...]
    sources: dict[str, str]

    @classmethod
    def of(cls, archive: zipfile.ZipFile) -> StdlibIndex:
        entries = tuple(archive.namelist())
        modules = {name: entry for entry in entries if (name := module_name(entry))}
        sources = {entry: archive.read(entry).decode("utf-8", "replace") for entry in modules.values()}
        return cls(modules, entries, sources)

    def parents(self, name: str) -> list[str]:
        parts = name.split(".")
        return [".".join(parts[:n]) for n in range(1, len(parts))]

    def kept_modules(self, wanted: Iterable[str]) -> set[str]:
        """``wanted`` (those in this zip), their parent packages and, transitively, their
        module-level imports that are in this zip."""
        kept: set[str] = set()
        todo = [name for name in wanted if name in self.modules]
        while todo:
            name = todo.pop()
            if name in kept:
                continue
            kept.add(name)
            entry = self.modules[name]
            todo += [p for p in self.parents(name) if p in self.modules]
            try:
                imports = imported_names(self.sources[entry], name, entry.endswith("__init__.py"),
                                         module_level_only=True)
            except SyntaxError:
                imports = set()  # Pyodide's compiler reports it; nothing to follow here
            todo += [i for i in imports if i in self.modules and i not in kept]
        return kept

    def kept_entries(self, wanted: Iterable[str]) -> set[str]:
        """Zip entries of ``kept_modules(wanted)`` plus the data files in a kept package's folder."""
        modules = self.kept_modules(wanted)
        entries = {self.modules[name] for name in modules}
        folders = {self.modules[name].rpartition("/")[0] for name in modules
                   if self.modules[name].endswith("__init__.py")}
        entries |= {e for e in self.entries
                    if not e.endswith("/") and module_name(e) is None and e.rpartition("/")[0] in folders}
        return entries

    def modules_of(self, entries: Iterable[str]) -> set[str]:
        return {name for entry in entries if (name := module_name(entry))}


def missing_app_imports(index: StdlibIndex, kept: set[str], app_files: dict[str, str]) -> list[tuple[str, str]]:
    """``(file, module)`` for each standard-library module an app file imports that ``kept`` lacks."""
    missing = []
    for path, source in sorted(app_files.items()):
        module = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        for name in sorted(imported_names(source, module, path.endswith("__init__.py"),
                                          module_level_only=False)):
            if name in index.modules and name not in kept:
                missing.append((path, name))
    return missing
