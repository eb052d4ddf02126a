"""``python -m backend``: serve the API and the page (default), or ``therapist-token`` (see backend.cli)."""

import sys

from backend.cli import main

if __name__ == "__main__":
    sys.exit(main())
