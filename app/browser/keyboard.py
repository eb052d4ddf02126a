"""Which keyboard the person types with: a touch screen's on-screen keyboard, or a physical one.

On a touch keyboard Enter must start a new line (there is no Shift+Enter to reach for, and a
message of several lines must be possible); the Send button sends, as WhatsApp does on phones.
The primary pointer says which: ``(pointer: coarse)`` is a finger.

Example::

    if enter_sends():
        event.preventDefault(); send()
"""

from __future__ import annotations

import js


def touch_keyboard() -> bool:
    """True when the primary pointer is a finger (a phone or tablet): its Enter is a new line."""
    return bool(js.window.matchMedia("(pointer: coarse)").matches)


def enter_sends(event) -> bool:
    """Enter (without Shift, outside an IME composition) sends, on a physical keyboard only."""
    return (event.key == "Enter" and not (event.shiftKey or event.isComposing)
            and not touch_keyboard())
