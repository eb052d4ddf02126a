"""Chat Booking: the Python that runs in the page (and, for tests, under CPython).

Only ``app.browser`` touches ``js`` / ``pyodide`` / ``pyscript``; everything else is
plain Python with its side effects behind the ports in ``app.ports``.
"""
