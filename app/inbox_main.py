"""Entry point PyScript runs in the therapist's page (``<script type="py" src="./app/inbox_main.py">``).

Kept tiny, like ``app/main.py``: the work is in ``app.browser.inbox_boot``. Any start-up failure
reaches the page as a readable message (``static/js/boot.js``), not only the console.
"""

import js

try:
    from app.browser.inbox_boot import boot

    boot()
except Exception as error:  # noqa: BLE001 - whatever broke, the therapist must see it, not a blank page
    js.chatBookingBootError(f"{type(error).__name__}: {error}")
    raise
