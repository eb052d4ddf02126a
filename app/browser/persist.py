"""``navigator.storage.persist()``: ask the browser not to clear our data when space runs low.

Browsers may evict "best-effort" storage (localStorage included) under storage pressure;
a granted persist() makes it "persistent". We ask once the customer has something worth keeping
(a draft with their details, a message), not at page load, because some browsers decide from
engagement and an early ask is wasted. The health line says what the browser answered.

Example::

    granted = await persisted()        # True / False / None (the browser has no StorageManager)
    granted = await ask_to_persist()
"""

from __future__ import annotations

import js
from pyodide.ffi import JsException


def _manager():
    storage = getattr(js.navigator, "storage", None)
    return storage if storage and getattr(storage, "persist", None) else None


async def persisted() -> bool | None:
    manager = _manager()
    if manager is None:
        return None
    try:
        return bool(await manager.persisted())
    except JsException:
        return None  # a sandboxed frame may refuse: the health line then says "not asked yet"


async def ask_to_persist() -> bool | None:
    manager = _manager()
    if manager is None:
        return None
    try:
        return bool(await manager.persist())
    except JsException:
        return None
