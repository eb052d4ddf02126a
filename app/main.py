"""Entry point PyScript runs in the page (``<script type="py" src="./app/main.py">``).

Kept tiny: the work is in ``app.browser.boot``. Any start-up failure reaches the
page as a readable message (``static/js/boot.js``), not only the console.
"""

import js

try:
    from app.browser.boot import boot

    boot()
except Exception as error:  # noqa: BLE001 - whatever broke, the customer must see it, not a blank page
    js.chatBookingBootError(f"{type(error).__name__}: {error}")
    raise
