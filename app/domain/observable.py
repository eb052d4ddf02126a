"""A tiny subscribe/notify helper, so the UI can re-render when a core object changes.

Example::

    class Counter(Observable):
        def bump(self) -> None:
            self.count = getattr(self, "count", 0) + 1
            self.notify()

    counter = Counter()
    unsubscribe = counter.subscribe(lambda c: print(c.count))
    counter.bump()        # prints 1
    unsubscribe()         # safe to call twice
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Listener = Callable[[Any], None]


class Observable:
    """Calls each subscriber with the object itself, in subscription order."""

    _listeners: list[Listener]

    def subscribe(self, callback: Listener) -> Callable[[], None]:
        """Register ``callback(self)``; returns a function that unregisters it."""
        if not callable(callback):
            raise TypeError("subscribe() needs a callable")
        listeners = self.__dict__.setdefault("_listeners", [])
        listeners.append(callback)

        def unsubscribe() -> None:
            if callback in listeners:
                listeners.remove(callback)

        return unsubscribe

    def notify(self) -> None:
        # A copy: a listener may unsubscribe itself (or others) while being called.
        # A listener's exception propagates: a broken UI callback should be loud, not hidden.
        for callback in tuple(self.__dict__.get("_listeners", ())):
            callback(self)
