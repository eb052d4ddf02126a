"""Where the repository is: the root that relative paths (the SQLite file, the page's files) start from.

Example::

    ROOT / "static" / "data" / "therapists.json"
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
