"""The browser adapters: the only package that imports ``js`` / ``pyodide`` / ``pyscript``.

Each module wraps one browser capability behind a port of ``app.domain.ports`` and maps
``JsException`` to the typed errors of ``app.domain.errors``.
"""

import gc

# Start-up creates a few hundred thousand objects that live as long as the page (pydantic, our
# modules, the window). Collecting while they are made costs ~12 collections, 35-90 ms of main
# thread on a desktop (4x that on a phone) and frees almost nothing; app.browser.boot.boot()
# freezes them and turns the collector back on once the window is running.
gc.disable()
