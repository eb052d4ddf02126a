"""The browser adapters: the only package that imports ``js`` / ``pyodide`` / ``pyscript``.

Each module wraps one browser capability behind a port of ``app.domain.ports`` and maps
``JsException`` to the typed errors of ``app.domain.errors``.
"""
