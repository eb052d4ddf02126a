"""Write exactly the files to publish (GitHub Pages) into ``dist/site/``.

The allow-list is ``backend.site.files.publishable_files`` (the same one the backend
serves from), plus the generated service worker as ``sw.js`` and an empty
``.nojekyll`` (GitHub Pages must not run Jekyll, which drops files and folders whose
names start with ``_``, such as ``app/__init__.py``). The folder is rebuilt from
scratch every time, so no stale file from an earlier build is ever published::

    dist/site/index.html, pyscript.toml, sw.js, .nojekyll
    dist/site/app/...        the Python modules the page runs (not app/fakes.py)
    dist/site/static/...     CSS, JS, data, and the runtime in static/vendor/

Example::

    python tools/build_site.py                 # make site
    build_site(output=tmp_path / "site")       # tests: any folder

Every URL in the page is relative, so the folder works at ``/`` and under a project
path such as ``https://<user>.github.io/chat-booking/``.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from build_sw import ServiceWorkerError, write_service_worker  # noqa: E402

from backend.site.files import SERVICE_WORKER_BUILD, publishable_files  # noqa: E402

DEFAULT_OUTPUT = ROOT / "dist" / "site"
# What every build writes at the top: an existing folder without these is never deleted.
BUILD_SIGNATURE = (".nojekyll", "index.html", "sw.js")


class SiteError(Exception):
    """The site could not be built; the message says what to fix."""


def _check_output(output: Path, root: Path) -> None:
    """The folder is deleted and rebuilt: refuse anything that is not clearly ours to replace."""
    inside_project = output.is_relative_to(root) and not output.is_relative_to(root / "dist")
    if root.is_relative_to(output) or inside_project or output.parent == output:
        raise SiteError(f"refusing to replace {output}: choose a folder such as dist/site")
    if output.exists():
        if not output.is_dir():
            raise SiteError(f"{output} exists and is not a folder")
        earlier_build = all((output / name).is_file() for name in BUILD_SIGNATURE)
        if any(output.iterdir()) and not earlier_build:
            raise SiteError(f"refusing to replace {output}: it is not empty and not an earlier site build")


def build_site(output: Path = DEFAULT_OUTPUT, root: Path = ROOT) -> list[str]:
    """Rebuild ``output`` with the publishable files; return the relative paths written."""
    output, root = output.resolve(), root.resolve()
    _check_output(output, root)
    try:
        write_service_worker(root)  # regenerated first, so it matches the files published with it
    except ServiceWorkerError as error:
        raise SiteError(str(error)) from error

    files = publishable_files(root)
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}-"))
    try:
        for relative in files:
            target = staging / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / relative, target)
        shutil.copyfile(root / SERVICE_WORKER_BUILD, staging / "sw.js")
        (staging / ".nojekyll").write_bytes(b"")
        staging.chmod(0o755)  # mkdtemp makes it private; the published folder is not
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    # Swap in whole, so a failed build never leaves a half-written site behind.
    if output.exists():
        shutil.rmtree(output)
    staging.rename(output)
    return sorted([*files, "sw.js", ".nojekyll"])


def main(argv: list[str] | None = None) -> int:
    output = Path(argv[0]).resolve() if argv else DEFAULT_OUTPUT
    try:
        written = build_site(output)
    except SiteError as error:
        print(f"build_site: {error}", file=sys.stderr)
        return 1
    size = sum((output / path).stat().st_size for path in written)
    shown = output.relative_to(ROOT) if output.is_relative_to(ROOT) else output
    print(f"build_site: wrote {len(written)} files ({size / 1e6:.1f} MB) to {shown}/")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
