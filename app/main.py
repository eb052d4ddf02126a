"""Entry point PyScript runs in the page (``<script type="py" src="./app/main.py">``).

Kept tiny: everything it does is in importable modules, so start-up cost is
only what those imports need.
"""

import sys

import js
import pydantic
from pyodide.ffi import to_js

from app.models import BookingDraft


def start() -> None:
    # Prove the compiled pydantic_core wheel validates (and rejects) before saying "ready".
    BookingDraft.model_validate({"therapist_id": "boot-check", "duration": 90})
    try:
        BookingDraft.model_validate({"therapist_id": "boot-check", "duration": 45})
    except pydantic.ValidationError:
        pass  # expected: 45 is not a bookable duration
    else:
        raise RuntimeError("pydantic accepted an invalid draft")
    js.chatBookingRuntime = to_js(
        {"python": sys.version.split()[0], "pydantic": pydantic.VERSION},
        dict_converter=js.Object.fromEntries,
    )
    js.document.documentElement.dataset.appState = "ready"
    status = js.document.getElementById("boot-status")
    if status is not None:
        status.hidden = True


try:
    start()
except Exception as error:  # noqa: BLE001 - any start-up failure must reach the page, not just the console
    js.chatBookingBootError(f"{type(error).__name__}: {error}")
    raise
